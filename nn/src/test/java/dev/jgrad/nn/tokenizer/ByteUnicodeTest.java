package dev.jgrad.nn.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ByteUnicodeTest {

    @Test
    void printableBytesAreThemselvesAndTheOthersCountUpFrom256() {
        assertEquals('!', ByteUnicode.charOf('!'));
        assertEquals('ÿ', ByteUnicode.charOf(0xFF));
        // bytes below '!' are the first 33 non-printable ones: 0x00 → U+0100, …, 0x0A → U+010A, 0x20 → U+0120
        assertEquals('\u0100', ByteUnicode.charOf(0x00));
        assertEquals('Ċ', ByteUnicode.charOf(0x0A));
        assertEquals('Ġ', ByteUnicode.charOf(0x20));
        // then 0x7F..0xA0 (34 bytes) → U+0121..U+0142, then 0xAD → U+0143, the 68th
        assertEquals('\u0121', ByteUnicode.charOf(0x7F));
        assertEquals('\u0142', ByteUnicode.charOf(0xA0));
        assertEquals('\u0143', ByteUnicode.charOf(0xAD));
    }

    @Test
    void theMapIsOneToOneAndInverts() {
        Set<Character> seen = new HashSet<>();
        for (int b = 0; b < 256; b++) {
            char c = ByteUnicode.charOf(b);
            assertTrue(seen.add(c), "byte " + b + " shares its char");
            assertTrue(!Character.isWhitespace(c) && !Character.isISOControl(c), "byte " + b + " is not printable");
            assertEquals(b, ByteUnicode.byteOf(c));
        }
        byte[] all = new byte[256];
        for (int b = 0; b < 256; b++) all[b] = (byte) b;
        assertArrayEquals(all, ByteUnicode.toBytes(ByteUnicode.toUnicode(all)));
        assertEquals("ĠhelloĊ", ByteUnicode.toUnicode(" hello\n".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    @Test
    void aCharOutsideTheAlphabetIsNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ByteUnicode.toBytes("ab c"));
        assertTrue(e.getMessage().contains("U+0020 at index 2"), e.getMessage());
        assertEquals(-1, ByteUnicode.byteOf('€'));
    }
}
