package dev.jgrad.nn.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class BitsPerByteTest {
    @Test
    void natsPerTokenToBitsPerByte() {
        // Byte-level: ln 2 nats per byte is exactly 1 bit per byte.
        assertEquals(1.0, BitsPerByte.bitsPerByte(Math.log(2), 1000, 1000), 1e-15);
        // 250 BPE tokens at 2 ln 2 nats each = 500 bits over 1000 bytes = 0.5 bpb.
        assertEquals(0.5, BitsPerByte.bitsPerByte(2 * Math.log(2), 250, 1000), 1e-15);
        assertThrows(IllegalArgumentException.class, () -> BitsPerByte.bitsPerByte(1, 10, 0));
    }

    @Test
    void qualityLine() {
        // gap = (0.912 − 0.874) / 0.874 = 0.0435 → 4.3%
        assertEquals("val 0.912 bpb, floor 0.874 bpb, gap 4.3%", BitsPerByte.format(0.912, 0.874));
        // gap = (0.8 − 1.0) / 1.0 → −20.0%
        assertEquals("val 0.800 bpb, floor 1.000 bpb, gap -20.0%", BitsPerByte.format(0.8, 1.0));
        assertThrows(IllegalArgumentException.class, () -> BitsPerByte.format(1, 0));
    }
}
