package dev.jgrad.nn.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class JsonTest {

    // ------------------------------------------------------------------ known values

    @Test
    void parsesScalars() {
        assertEquals(0L, Json.parse("0"));
        assertEquals(0L, Json.parse("-0"));
        assertEquals(-12L, Json.parse(" -12 "));
        assertEquals(Long.MAX_VALUE, Json.parse("9223372036854775807"));
        assertEquals(Long.MIN_VALUE, Json.parse("-9223372036854775808"));
        // 2^63 does not fit a long: it becomes the double 2^63
        assertEquals(Math.pow(2, 63), Json.parse("9223372036854775808"));
        assertEquals(1.5, Json.parse("1.5"));
        assertEquals(100.0, Json.parse("1e2"));
        assertEquals(100.0, Json.parse("1E+2"));
        assertEquals(0.015, Json.parse("1.5e-2"));
        assertEquals(-0.0, Json.parse("-0.0"));
        assertEquals(0.0, Json.parse("1e-400")); // underflows to zero, as any double parser rounds
        assertEquals(Boolean.TRUE, Json.parse("true"));
        assertEquals(Boolean.FALSE, Json.parse("\tfalse\r\n"));
        assertNull(Json.parse("null"));
        assertEquals("", Json.parse("\"\""));
    }

    @Test
    void parsesEscapesAndSurrogatePairs() {
        assertEquals("a\"b\\c/d\be\ff\ng\rh\ti", Json.parse("\"a\\\"b\\\\c\\/d\\be\\ff\\ng\\rh\\ti\""));
        assertEquals("é", Json.parse("\"\\u00e9\""));
        assertEquals("é", Json.parse("\"\\u00E9\""));
        String grinning = new String(Character.toChars(0x1F600)); // U+1F600 = D83D DE00 in UTF-16
        assertEquals(grinning, Json.parse("\"\\ud83d\\ude00\""));
        assertEquals(grinning, Json.parse("\"" + grinning + "\""));
        assertEquals("\u0000", Json.parse("\"\\u0000\""));
    }

    @Test
    void parsesContainersInDocumentOrder() {
        Object v = Json.parse("{\"z\": 1, \"a\": [true, null, \"x\", {}], \"m\": {\"k\": []}}");
        Map<String, Object> map = Json.object(v, "root");
        assertInstanceOf(LinkedHashMap.class, map);
        assertEquals(List.of("z", "a", "m"), new ArrayList<>(map.keySet()));
        assertEquals(1L, map.get("z"));
        assertEquals(Arrays.asList(true, null, "x", Map.of()), map.get("a"));
        assertEquals(Map.of("k", List.of()), map.get("m"));
    }

    @Test
    void writesCompactAndPretty() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("b", 1);
        m.put("a", Arrays.asList(1.5, null, true, "q\"\n"));
        m.put("e", Map.of());
        m.put("l", List.of());
        assertEquals("{\"b\":1,\"a\":[1.5,null,true,\"q\\\"\\n\"],\"e\":{},\"l\":[]}", Json.write(m));
        assertEquals(
                "{\n  \"b\": 1,\n  \"a\": [\n    1.5,\n    null,\n    true,\n    \"q\\\"\\n\"\n  ],\n"
                        + "  \"e\": {},\n  \"l\": []\n}",
                Json.writePretty(m));
        assertEquals("\"\\u0001\\u007f\\u2028\"", Json.write("\u0001\u007f\u2028"));
        assertEquals("1.0E10", Json.write(1e10));
        assertEquals("0.1", Json.write(0.1f));
        assertEquals("12345678901234567890", Json.write(new BigInteger("12345678901234567890")));
        assertEquals("1.25", Json.write(new BigDecimal("1.25")));
        assertEquals("null", Json.write(null));
    }

    @Test
    void writerRejectsWhatJsonCannotHold() {
        assertMessage(() -> Json.write(Double.NaN), "cannot write NaN");
        assertMessage(() -> Json.write(List.of(Double.POSITIVE_INFINITY)), "cannot write Infinity");
        assertMessage(() -> Json.write(Float.NEGATIVE_INFINITY), "cannot write -Infinity");
        assertMessage(() -> Json.write(Map.of(1, 2)), "map key of type Integer");
        assertMessage(() -> Json.write(new Object()), "cannot write a value of type java.lang.Object");
        assertMessage(() -> Json.write("a\ud800b"), "unpaired surrogate U+D800");
        List<Object> cycle = new ArrayList<>();
        cycle.add(cycle);
        assertMessage(() -> Json.write(cycle), "nesting deeper than 512");
    }

    @Test
    void errorsNameLineAndColumn() {
        assertMessage(() -> Json.parse("{\n  \"a\": 01\n}"), "json: leading zero in number at line 2 column 8");
        assertMessage(
                () -> Json.parse("[1, 2"), "json: expected ',' or ']' in array, found end of input at line 1 column 6");
        assertMessage(() -> Json.parse("{\"a\":1,\"a\":2}"), "json: duplicate key \"a\" at line 1 column 8");
        assertMessage(() -> Json.parse("[1] x"), "json: unexpected 'x' after the value at line 1 column 5");
        assertMessage(
                () -> Json.parse("\"ab\u0001\""),
                "json: unescaped control character U+0001 in string at line 1 column 4");
    }

    @Test
    void typedGettersNameTheValue() {
        Map<String, Object> cfg = Json.object(Json.parse("{\"d_model\": \"abc\", \"n\": 0, \"x\": 2.5}"), "config");
        assertMessage(
                () -> Json.integer(cfg.get("d_model"), "config: \"d_model\""),
                "config: \"d_model\" must be an integer, got \"abc\"");
        assertMessage(
                () -> Json.integer(cfg.get("n"), "config: \"n\"", 1, 1024),
                "config: \"n\" must be in [1, 1024], got 0");
        assertMessage(() -> Json.integer(cfg.get("x"), "config: \"x\""), "must be an integer, got 2.5");
        assertMessage(() -> Json.member(cfg, "vocab", "config"), "config: missing \"vocab\"");
        assertMessage(() -> Json.array(cfg, "config"), "config must be an array, got {\"d_model\":\"abc\",\"n\":0,");
        assertMessage(() -> Json.string(null, "name"), "name must be a string, got null");
        assertEquals(2.5, Json.number(cfg.get("x"), "x"));
        assertEquals(0.0, Json.number(cfg.get("n"), "n"));
        assertEquals("abc", Json.string(Json.member(cfg, "d_model", "config"), "d_model"));
        assertTrue(Json.bool(Json.parse("true"), "flag"));
        assertMessage(() -> Json.bool(1L, "flag"), "flag must be a boolean, got 1");
    }

    // ------------------------------------------------------------------ malformed input

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                " ",
                "\uFEFF{}",
                "{",
                "}",
                "[",
                "]",
                "[1,]",
                "[,1]",
                "[1 2]",
                "{\"a\"}",
                "{\"a\":}",
                "{\"a\" 1}",
                "{a:1}",
                "{'a':1}",
                "{\"a\":1,}",
                "{,}",
                "{\"a\":1 \"b\":2}",
                "{1:2}",
                "[1]]",
                "{}}",
                "1 2",
                "tru",
                "truex",
                "True",
                "nul",
                "NULL",
                "NaN",
                "-NaN",
                "Infinity",
                "-Infinity",
                "+1",
                "01",
                "-01",
                "00",
                "1.",
                "1.e3",
                ".5",
                "-",
                "--1",
                "1e",
                "1e+",
                "1E-",
                "0x10",
                "1_000",
                "1e999",
                "-1e400",
                "\"",
                "\"abc",
                "\"\\\"",
                "\"\\x\"",
                "\"\\u12\"",
                "\"\\u12g4\"",
                "\"\\uD800\"",
                "\"\\uDC00\"",
                "\"\\uD800\\u0041\"",
                "\"\\uD800x\"",
                "\"\\uD800\\\"",
                "\"\\U0041\"",
                "\"a\nb\"",
                "\"a\tb\"",
                "\"\u0000\"",
                "\"\u001f\"",
                "\"\ud800\"",
                "\"\udc00\"",
                "\"a\ud800",
                "'a'",
                "[1,2",
                "{\"a\":[1,{\"b\":}]}",
                "\u000b1",
                "\u00a01",
                "1\u000c",
                "/* c */ 1",
                "1 // c",
                "[\"a\",\"b\"",
                "{\"a\":1}{",
                "\\u0041",
                "\"\\u00e9\"x"
            })
    void malformedTextThrowsJsonException(String text) {
        JsonException e = assertThrows(JsonException.class, () -> Json.parse(text), () -> "accepted: " + text);
        assertTrue(
                e.getMessage().startsWith("json: ") && e.getMessage().matches("(?s).* at line \\d+ column \\d+"),
                e.getMessage());
    }

    @Test
    void deepNestingIsAJsonExceptionNotAStackOverflow() {
        String ok = "[".repeat(Json.MAX_DEPTH) + "]".repeat(Json.MAX_DEPTH);
        assertEquals(ok, Json.write(Json.parse(ok)));
        String tooDeep = "[".repeat(Json.MAX_DEPTH + 1) + "]".repeat(Json.MAX_DEPTH + 1);
        assertMessage(() -> Json.parse(tooDeep), "nesting deeper than 512");
        assertMessage(() -> Json.parse("[".repeat(1_000_000)), "nesting deeper than 512");
        assertMessage(() -> Json.parse("{\"a\":".repeat(100_000)), "nesting deeper than 512");
    }

    @Test
    void randomMutationsOfValidTextParseOrThrowJsonException() {
        qt().withExamples(400).forAll(longs().all(), integers().between(1, 4)).checkAssert((seed, edits) -> {
            Random rnd = new Random(seed);
            StringBuilder text = new StringBuilder(Json.writePretty(randomValue(rnd, 3)));
            String alphabet = "{}[],:\"\\/-+.eE0123456789 \ntrufalsn\u0000\u00e9\ud83d\ude00";
            for (int i = 0; i < edits && text.length() > 0; i++) {
                int at = rnd.nextInt(text.length());
                switch (rnd.nextInt(3)) {
                    case 0:
                        text.deleteCharAt(at);
                        break;
                    case 1:
                        text.insert(at, alphabet.charAt(rnd.nextInt(alphabet.length())));
                        break;
                    default:
                        text.setLength(at);
                }
            }
            try {
                Object v = Json.parse(text.toString());
                assertEquals(v, Json.parse(Json.write(v))); // whatever it accepted is a value it can write back
            } catch (JsonException expected) {
                assertTrue(expected.getMessage().startsWith("json: "), expected.getMessage());
            } catch (RuntimeException | Error other) {
                fail("parse threw " + other + " for " + text, other);
            }
        });
    }

    // ------------------------------------------------------------------ round trip

    @Test
    void writeThenParseIsTheIdentity() {
        qt().withExamples(300).forAll(longs().all(), integers().between(0, 4)).checkAssert((seed, depth) -> {
            Object v = randomValue(new Random(seed), depth);
            String compact = Json.write(v);
            assertEquals(v, Json.parse(compact), compact);
            assertEquals(compact, Json.write(Json.parse(compact))); // key order kept
            assertEquals(v, Json.parse(Json.writePretty(v)));
        });
    }

    /** A JSON value as {@link Json#parse} would return it: Long, Double, String, Boolean, null, Map, List. */
    private static Object randomValue(Random rnd, int depth) {
        int kind = rnd.nextInt(depth > 0 ? 8 : 6);
        switch (kind) {
            case 0:
                return null;
            case 1:
                return rnd.nextBoolean();
            case 2:
                return rnd.nextBoolean() ? (long) rnd.nextInt(2000) - 1000 : rnd.nextLong();
            case 3:
                return randomDouble(rnd);
            case 4:
            case 5:
                return randomString(rnd);
            case 6: {
                List<Object> list = new ArrayList<>();
                for (int i = rnd.nextInt(5); i > 0; i--) list.add(randomValue(rnd, depth - 1));
                return list;
            }
            default: {
                Map<String, Object> map = new LinkedHashMap<>();
                for (int i = rnd.nextInt(5); i > 0; i--) map.put(randomString(rnd), randomValue(rnd, depth - 1));
                return map;
            }
        }
    }

    private static double randomDouble(Random rnd) {
        double[] special = {0.0, -0.0, 1.0, -1.5, 0.1, Double.MIN_VALUE, Double.MAX_VALUE, -Double.MAX_VALUE, 1e22};
        if (rnd.nextInt(4) == 0) return special[rnd.nextInt(special.length)];
        double d;
        do d = Double.longBitsToDouble(rnd.nextLong());
        while (!Double.isFinite(d));
        return d;
    }

    private static String randomString(Random rnd) {
        StringBuilder sb = new StringBuilder();
        for (int i = rnd.nextInt(8); i > 0; i--) {
            int cp;
            switch (rnd.nextInt(5)) {
                case 0:
                    cp = rnd.nextInt(0x20); // control
                    break;
                case 1:
                    cp = "\"\\/ ".charAt(rnd.nextInt(4));
                    break;
                case 2:
                    cp = 0x80 + rnd.nextInt(0xD800 - 0x80); // BMP below the surrogates
                    break;
                case 3:
                    cp = 0x10000 + rnd.nextInt(0x110000 - 0x10000); // a surrogate pair in UTF-16
                    break;
                default:
                    cp = 0x20 + rnd.nextInt(0x5f);
            }
            sb.appendCodePoint(cp);
        }
        return sb.toString();
    }

    private static void assertMessage(Runnable call, String expectedPart) {
        JsonException e = assertThrows(JsonException.class, call::run);
        assertTrue(e.getMessage().contains(expectedPart), () -> "message was: " + e.getMessage());
    }
}
