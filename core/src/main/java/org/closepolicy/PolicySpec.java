package org.closepolicy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;
import org.closepolicy.internal.SpecValues;

/**
 * The text form of a policy, for configuration files, command lines and system properties.
 *
 * <p>Entries are separated by commas, semicolons or new lines. The first entry may be a preset name
 * ({@code server-fin}, {@code lingering}, {@code client-first}, {@code safe-reset}, {@code keep-alive});
 * {@code preset=NAME} is the same. Without a preset, keys apply to the {@code keep-alive} defaults.
 * <pre>{@code
 * ClosePolicy p = ClosePolicy.parse("""
 *     client-first, close.client-wait=2s, close.fallback=rst, close.ack-wait=1s,
 *     rule.lb.when.cidr=10.0.0.0/8|fd00::/8, rule.lb.preset=keep-alive, rule.lb.reuse.max-requests=unlimited
 *     """);
 * }</pre>
 *
 * <table>
 *   <caption>keys</caption>
 *   <tr><th>key</th><th>values</th></tr>
 *   <tr><td>close.first</td><td>server | client</td></tr>
 *   <tr><td>close.mode</td><td>fin | linger | rst (linger only with close.first=server)</td></tr>
 *   <tr><td>close.client-wait, close.ack-wait, close.linger-time, close.linger-timeout, close.flush-timeout,
 *       reuse.drain-timeout</td>
 *       <td>positive duration: 500ms, 2s, 1m, 1h, 1d or ISO-8601 (PT2S)</td></tr>
 *   <tr><td>close.fallback</td><td>fin | linger | rst</td></tr>
 *   <tr><td>close.reset-after-ack, reuse.honour-client-close</td><td>true | false</td></tr>
 *   <tr><td>close.linger-bytes</td><td>positive size: 65536, 64KiB, 1MiB, 2MB</td></tr>
 *   <tr><td>reuse.max-requests</td><td>whole number ≥ 1 (1: no reuse) | unlimited</td></tr>
 *   <tr><td>reuse.idle-timeout</td><td>duration ≥ 1s</td></tr>
 *   <tr><td>reuse.max-age</td><td>positive duration | none</td></tr>
 *   <tr><td>reuse.jitter</td><td>0% to 50% (or 0 to 0.5)</td></tr>
 *   <tr><td>reuse.jitter-seed</td><td>whole number</td></tr>
 *   <tr><td>rule.NAME.when.cidr</td><td>blocks separated by |: 10.0.0.0/8|fd00::/8</td></tr>
 *   <tr><td>rule.NAME.when.protocol</td><td>http1 | http2 | tcp, several separated by |</td></tr>
 *   <tr><td>rule.NAME.when.min-open-connections, rule.NAME.when.min-server-time-wait</td><td>whole number ≥ 1</td></tr>
 *   <tr><td>rule.NAME.preset</td><td>the rule's base settings (default: the policy's settings)</td></tr>
 *   <tr><td>rule.NAME.KEY</td><td>any close.* or reuse.* key, for that rule</td></tr>
 * </table>
 * Rules are tried in the order they first appear. Every mistake (unknown key, bad value, duplicate
 * key, invalid combination) throws an {@link IllegalArgumentException} naming the key, the value and
 * what is allowed.
 *
 * <p>Thread-safety: stateless.
 */
public final class PolicySpec {

    /** The system property read by {@link ClosePolicy#fromSystemProperties()}. */
    public static final String SYSTEM_PROPERTY = "closepolicy";

    private static final String[] CONDITIONS = {"when.cidr", "when.protocol", "when.min-open-connections", "when.min-server-time-wait"};

    private PolicySpec() {
    }

    /**
     * Parses spec text.
     *
     * @throws IllegalArgumentException naming the key, the value and what is allowed
     */
    public static StandardClosePolicy parse(String spec) {
        return parseSpec(spec);
    }

    /**
     * Parses spec text that came from {@code source}, which every error message names first: a system property
     * ({@code "system property -Dclosepolicy"}), a configuration property ({@code "property server.closepolicy"}),
     * a command-line option ({@code "--policy"}), a file and line.
     *
     * @throws IllegalArgumentException starting with the source, then naming the key, the value and what is allowed
     */
    public static StandardClosePolicy parse(String spec, String source) {
        Objects.requireNonNull(source, "source");
        try {
            return parseSpec(spec);
        } catch (IllegalArgumentException e) {
            throw fromSource(source, spec, e);
        }
    }

    /** The same error, with the source (and the text given) in front. */
    static IllegalArgumentException fromSource(String source, String spec, IllegalArgumentException e) {
        String given = spec == null ? "" : " ('" + spec + "')";
        return new IllegalArgumentException(source + given + ": " + e.getMessage(), e);
    }

    private static StandardClosePolicy parseSpec(String spec) {
        if (spec == null) {
            throw new IllegalArgumentException("policy spec must not be null");
        }
        List<String[]> entries = new ArrayList<>();
        String[] parts = spec.split("[,;\\n]");
        for (int i = 0; i < parts.length; i++) {
            String e = parts[i].trim();
            if (e.isEmpty()) {
                continue;
            }
            checkNotSpaceSeparated(e);
            int eq = e.indexOf('=');
            if (eq < 0) {
                if (entries.isEmpty()) {
                    entries.add(new String[] {"preset", e});
                    continue;
                }
                throw SpecValues.bad("preset", e, "a preset name (" + Preset.names()
                        + ") may only be the first entry; later entries are key=value");
            }
            String key = e.substring(0, eq).trim().toLowerCase(Locale.ROOT);
            String value = e.substring(eq + 1).trim();
            if (key.isEmpty()) {
                throw new IllegalArgumentException("entry '" + e + "' has no key");
            }
            entries.add(new String[] {key, value});
        }
        if (entries.isEmpty()) {
            throw new IllegalArgumentException("policy spec is empty; give a preset name (" + Preset.names()
                    + ") or key=value entries");
        }
        return build(entries);
    }

    /**
     * Several entries written with spaces between them ({@code "client-first close.client-wait=1s"}) would
     * otherwise read as one odd key or value; say how entries are separated instead.
     */
    private static void checkNotSpaceSeparated(String entry) {
        String[] words = entry.split("\\s+");
        if (words.length < 2) {
            return;
        }
        boolean laterKey = false;
        for (int i = 1; i < words.length; i++) {
            laterKey |= words[i].indexOf('=') > 0;
        }
        // Only when the first word is an entry by itself: "rule.a b.when.cidr=..." is one entry with a bad rule name.
        boolean firstIsEntry = words[0].indexOf('=') > 0 || Preset.specNames().contains(words[0].toLowerCase(Locale.ROOT));
        if ((laterKey && firstIsEntry) || entry.indexOf('=') < 0) {
            throw new IllegalArgumentException("'" + entry + "' looks like " + words.length + " entries separated by spaces; "
                    + "separate entries with ',' or ';' (or new lines), e.g. '" + String.join(", ", words) + "'");
        }
    }

    static StandardClosePolicy build(List<String[]> entries) {
        Map<String, String> seen = new HashMap<>();
        String preset = null;
        Map<String, String> top = new LinkedHashMap<>();
        Map<String, Map<String, String>> rules = new LinkedHashMap<>();
        for (String[] kv : entries) {
            String key = kv[0];
            String value = kv[1];
            if (seen.put(key, value) != null) {
                throw new IllegalArgumentException("duplicate key '" + key + "' (value '" + value + "'); each key may appear once");
            }
            if (value.isEmpty()) {
                throw SpecValues.bad(key, value, "a value is required");
            }
            if (key.equals("preset")) {
                preset = value;
            } else if (key.startsWith("rule.")) {
                int dot = key.indexOf('.', 5);
                if (dot < 0 || dot == key.length() - 1) {
                    throw new IllegalArgumentException("unknown key '" + key + "' (value '" + value
                            + "'): rule keys look like rule.NAME.KEY, e.g. rule.lb.when.cidr=10.0.0.0/8");
                }
                String name = key.substring(5, dot);
                rules.computeIfAbsent(name, n -> new LinkedHashMap<>()).put(key.substring(dot + 1), value);
            } else if (CloseSettings.KEYS.contains(key)) {
                top.put(key, value);
            } else {
                throw unknownKey(key, value, "");
            }
        }
        Preset base = preset == null ? Preset.KEEP_ALIVE : presetOf("preset", preset);
        CloseSettings.Builder sb = CloseSettings.builder(base);
        for (Map.Entry<String, String> e : top.entrySet()) {
            sb.set(e.getKey(), e.getValue());
        }
        CloseSettings defaults = sb.build();
        List<Rule> built = new ArrayList<>();
        for (Map.Entry<String, Map<String, String>> r : rules.entrySet()) {
            built.add(rule(r.getKey(), r.getValue(), defaults));
        }
        return new StandardClosePolicy(defaults, built);
    }

    private static Rule rule(String name, Map<String, String> keys, CloseSettings defaults) {
        String prefix = "rule." + name + ".";
        Rule.Builder rb;
        try {
            rb = Rule.builder(name);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("invalid rule name '" + name + "' in key '" + prefix + keys.keySet().iterator().next()
                    + "': lower-case letters, digits, '-' and '_'");
        }
        String preset = keys.get("preset");
        CloseSettings.Builder sb = preset == null ? defaults.toBuilder() : CloseSettings.builder(presetOf(prefix + "preset", preset));
        for (Map.Entry<String, String> e : keys.entrySet()) {
            String k = e.getKey();
            String v = e.getValue();
            String full = prefix + k;
            switch (k) {
                case "preset":
                    break;
                case "when.cidr":
                    for (String block : v.split("\\|")) {
                        rb.whenRemoteIn(Cidr.parse(full, block));
                    }
                    break;
                case "when.protocol":
                    for (String p : v.split("\\|")) {
                        rb.whenProtocol(SpecEnums.protocol(full, p));
                    }
                    break;
                case "when.min-open-connections":
                    rb.whenMinOpenConnections(SpecValues.count(full, v, 1));
                    break;
                case "when.min-server-time-wait":
                    rb.whenMinServerTimeWait(SpecValues.count(full, v, 1));
                    break;
                default:
                    if (!CloseSettings.KEYS.contains(k)) {
                        throw unknownKey(full, v, prefix);
                    }
                    try {
                        sb.set(k, v);
                    } catch (IllegalArgumentException ex) {
                        throw new IllegalArgumentException(ex.getMessage().replace("key '" + k + "'", "key '" + full + "'"), ex);
                    }
            }
        }
        CloseSettings settings;
        try {
            settings = sb.build();
        } catch (IllegalArgumentException ex) {
            String msg = ex.getMessage();
            for (String k : CloseSettings.KEYS) {
                msg = msg.replace("key '" + k + "'", "key '" + prefix + k + "'").replace(k + "=", prefix + k + "=");
            }
            throw new IllegalArgumentException("rule '" + name + "': " + msg, ex);
        }
        return rb.settings(settings).build(defaults);
    }

    private static Preset presetOf(String key, String value) {
        try {
            return Preset.fromSpecName(value.trim().toLowerCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw SpecValues.bad(key, value, "a preset name: " + Preset.names() + DidYouMean.suggest(value, Preset.specNames()));
        }
    }

    private static IllegalArgumentException unknownKey(String key, String value, String prefix) {
        StringBuilder allowed = new StringBuilder();
        for (String k : CloseSettings.KEYS) {
            allowed.append(allowed.length() > 0 ? ", " : "").append(prefix).append(k);
        }
        if (prefix.isEmpty()) {
            allowed.append(", preset, rule.NAME.KEY");
        } else {
            for (String c : CONDITIONS) {
                allowed.append(", ").append(prefix).append(c);
            }
            allowed.append(", ").append(prefix).append("preset");
        }
        List<String> candidates = new ArrayList<>();
        for (String k : CloseSettings.KEYS) {
            candidates.add(prefix + k);
        }
        if (prefix.isEmpty()) {
            candidates.addAll(Preset.specNames()); // "client-frist=..." is rare, but "cleint-first" alone lands here too
        } else {
            for (String c : CONDITIONS) {
                candidates.add(prefix + c);
            }
        }
        return new IllegalArgumentException("unknown key '" + key + "' (value '" + value + "')" + DidYouMean.suggest(key, candidates)
                + "; allowed keys: " + allowed);
    }

    /**
     * Reads a policy from properties whose keys start with {@code prefix}. Rules are ordered by
     * {@code <prefix>rule-order=a|b} when given, else by name.
     */
    public static Optional<StandardClosePolicy> fromProperties(Properties properties, String prefix) {
        return fromProperties(properties, prefix, null);
    }

    /**
     * As {@link #fromProperties(Properties, String)}, with error messages that start with {@code source} (for
     * example {@code "system properties -Dclosepolicy.*"}) and name each key with its prefix.
     */
    public static Optional<StandardClosePolicy> fromProperties(Properties properties, String prefix, String source) {
        try {
            return propertiesPolicy(properties, prefix);
        } catch (IllegalArgumentException e) {
            if (source == null) {
                throw e;
            }
            return propertiesError(source, prefix, e);
        }
    }

    private static Optional<StandardClosePolicy> propertiesError(String source, String prefix, IllegalArgumentException e) {
        String msg = e.getMessage().replace("key '", "key '" + prefix);
        throw new IllegalArgumentException(source + ": " + msg, e);
    }

    private static Optional<StandardClosePolicy> propertiesPolicy(Properties properties, String prefix) {
        TreeMap<String, String> keys = new TreeMap<>();
        for (String name : properties.stringPropertyNames()) {
            if (name.startsWith(prefix) && name.length() > prefix.length()) {
                keys.put(name.substring(prefix.length()).toLowerCase(Locale.ROOT), properties.getProperty(name).trim());
            }
        }
        if (keys.isEmpty()) {
            return Optional.empty();
        }
        String order = keys.remove("rule-order");
        List<String[]> entries = new ArrayList<>();
        List<String> ruleNames = new ArrayList<>();
        List<String> present = new ArrayList<>();
        for (String k : keys.keySet()) {
            if (k.startsWith("rule.")) {
                int dot = k.indexOf('.', 5);
                String n = dot < 0 ? k.substring(5) : k.substring(5, dot);
                if (!present.contains(n)) {
                    present.add(n);
                }
            }
        }
        if (order != null) {
            for (String raw : order.split("\\|")) {
                String n = raw.trim().toLowerCase(Locale.ROOT);
                if (n.isEmpty()) {
                    continue;
                }
                if (!present.contains(n)) {
                    throw SpecValues.bad("rule-order", order, "rule names separated by |, each with keys "
                            + prefix + "rule.NAME.*; '" + n + "' has none");
                }
                if (!ruleNames.contains(n)) {
                    ruleNames.add(n);
                }
            }
        }
        for (String n : present) {
            if (!ruleNames.contains(n)) {
                ruleNames.add(n);
            }
        }
        keys.forEach((k, v) -> {
            if (!k.startsWith("rule.")) {
                entries.add(new String[] {k, v});
            }
        });
        for (String n : ruleNames) {
            keys.forEach((k, v) -> {
                if (k.startsWith("rule." + n + ".")) {
                    entries.add(new String[] {k, v});
                }
            });
        }
        return Optional.of(build(entries));
    }
}
