package org.closepolicy;

import java.util.Arrays;

/**
 * The settings of every {@link Preset}, built once: {@link CloseSettings#of(Preset)} hands out the same instance.
 *
 * <p>Thread-safety: immutable; built when first used.
 */
final class PresetCache {
    private static final CloseSettings[] BY_PRESET = Arrays.stream(Preset.values())
            .map(p -> CloseSettings.builder(p).build()).toArray(CloseSettings[]::new);

    private PresetCache() {
    }

    static CloseSettings get(Preset p) {
        return BY_PRESET[p.ordinal()];
    }
}
