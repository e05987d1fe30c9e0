package org.closepolicy.examples;

import java.nio.charset.StandardCharsets;

/**
 * The fixed response of the demo's weather service: a small XML forecast of about 1.9 KB, the
 * size of the responses in the situation the demo reproduces.
 *
 * <p>Thread-safety: immutable; {@link #bytes()} returns a copy.
 */
final class WeatherXml {

    static final String CONTENT_TYPE = "application/xml; charset=utf-8";

    private static final byte[] BODY = build().getBytes(StandardCharsets.UTF_8);

    private WeatherXml() {
    }

    /** A copy of the body. */
    static byte[] bytes() {
        return BODY.clone();
    }

    /** The body, shared: callers must not modify it. */
    static byte[] shared() {
        return BODY;
    }

    static int length() {
        return BODY.length;
    }

    private static String build() {
        StringBuilder sb = new StringBuilder(2048);
        sb.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        sb.append("<weather station=\"EDDH\" name=\"Hamburg-Fuhlsbuettel\" lat=\"53.6332\" lon=\"9.9881\" elevation=\"11\">\n");
        sb.append("  <issued>2026-11-25T06:00:00Z</issued>\n");
        sb.append("  <current temp=\"4.2\" unit=\"C\" feels-like=\"0.9\" humidity=\"87\" pressure=\"1012.4\" "
                + "wind-speed=\"18\" wind-dir=\"WSW\" gusts=\"34\" visibility=\"9000\" condition=\"overcast\"/>\n");
        String[][] days = {
            {"2026-11-25", "2.1", "6.3", "80", "4.5", "SW", "22", "rain showers"},
            {"2026-11-26", "1.4", "5.8", "60", "2.1", "W", "28", "light rain"},
            {"2026-11-27", "-0.6", "4.0", "20", "0.3", "NW", "15", "partly cloudy"},
            {"2026-11-28", "-1.9", "3.2", "10", "0.0", "N", "12", "sunny intervals"},
            {"2026-11-29", "0.2", "5.1", "40", "1.2", "SE", "9", "cloudy"},
            {"2026-11-30", "2.8", "7.4", "70", "3.8", "S", "19", "rain"},
        };
        sb.append("  <forecast days=\"").append(days.length).append("\">\n");
        for (String[] d : days) {
            sb.append("    <day date=\"").append(d[0]).append("\">\n");
            sb.append("      <temp min=\"").append(d[1]).append("\" max=\"").append(d[2]).append("\" unit=\"C\"/>\n");
            sb.append("      <precipitation probability=\"").append(d[3]).append("\" amount=\"").append(d[4]).append("\" unit=\"mm\"/>\n");
            sb.append("      <wind dir=\"").append(d[5]).append("\" speed=\"").append(d[6]).append("\" unit=\"km/h\"/>\n");
            sb.append("      <summary>").append(d[7]).append("</summary>\n");
            sb.append("    </day>\n");
        }
        sb.append("  </forecast>\n");
        sb.append("  <alert level=\"yellow\" from=\"2026-11-26T12:00:00Z\" to=\"2026-11-26T21:00:00Z\">wind gusts up to 60 km/h</alert>\n");
        sb.append("  <source>closepolicy demo weather service; numbers are made up</source>\n");
        sb.append("</weather>\n");
        return sb.toString();
    }
}
