//! The storage formats of WFDB signal files: how many bytes hold `n` values, and the value at an index.

pub(super) fn bits_of(format: u32) -> u32 {
    match format {
        8 | 80 => 8,
        16 | 61 | 160 => 16,
        24 => 24,
        32 => 32,
        212 => 12,
        310 | 311 => 10,
        _ => 0,
    }
}

/// The "no signal" code of a format, if it has one.
pub(super) fn invalid_code(format: u32) -> Option<i64> {
    match format {
        16 | 61 | 160 => Some(-32768),
        24 => Some(-(1 << 23)),
        32 => Some(-(1i64 << 31)),
        80 => Some(-128),
        212 => Some(-2048),
        310 | 311 => Some(-512),
        _ => None,
    }
}

/// Number of bytes holding the first `n` values of a stream in `format`.
pub(super) fn bytes_for(format: u32, n: u64) -> Option<u64> {
    Some(match format {
        8 | 80 => n,
        16 | 61 | 160 => n.checked_mul(2)?,
        24 => n.checked_mul(3)?,
        32 => n.checked_mul(4)?,
        212 => (n / 2) * 3 + (n % 2) * 2,
        310 => (n / 3) * 4 + [0, 2, 4][(n % 3) as usize],
        311 => (n / 3) * 4 + [0, 2, 3][(n % 3) as usize],
        _ => return None,
    })
}

/// Number of complete values in `len` bytes of `format`.
pub(super) fn values_in(format: u32, len: u64) -> u64 {
    match format {
        8 | 80 => len,
        16 | 61 | 160 => len / 2,
        24 => len / 3,
        32 => len / 4,
        212 => (len / 3) * 2 + u64::from(len % 3 >= 2),
        310 => (len / 4) * 3 + u64::from(len % 4 >= 2),
        311 => (len / 4) * 3 + [0, 0, 1, 2][(len % 4) as usize],
        _ => 0,
    }
}

/// The `i`-th value of a stream in `format` (0 past the end; callers check the length first).
/// Format 8 yields the difference; the caller accumulates it.
pub(super) fn sample_at(format: u32, data: &[u8], i: usize) -> i64 {
    let b = |j: usize| i64::from(data.get(j).copied().unwrap_or(0));
    let sext = |v: i64, bits: u32| {
        let m = 1i64 << (bits - 1);
        ((v & ((1i64 << bits) - 1)) ^ m) - m
    };
    match format {
        8 => sext(b(i), 8),
        80 => b(i) - 128,
        16 => sext(b(2 * i) | b(2 * i + 1) << 8, 16),
        61 => sext(b(2 * i) << 8 | b(2 * i + 1), 16),
        160 => (b(2 * i) | b(2 * i + 1) << 8) - 32768,
        24 => sext(b(3 * i) | b(3 * i + 1) << 8 | b(3 * i + 2) << 16, 24),
        32 => sext(b(4 * i) | b(4 * i + 1) << 8 | b(4 * i + 2) << 16 | b(4 * i + 3) << 24, 32),
        212 => {
            let g = (i / 2) * 3;
            let v = if i.is_multiple_of(2) { b(g) | (b(g + 1) & 0x0F) << 8 } else { b(g + 2) | (b(g + 1) & 0xF0) << 4 };
            sext(v, 12)
        }
        310 => {
            let g = (i / 3) * 4;
            let w0 = b(g) | b(g + 1) << 8;
            let w1 = b(g + 2) | b(g + 3) << 8;
            let v = match i % 3 {
                0 => w0 >> 1,
                1 => w1 >> 1,
                _ => (w0 >> 11) & 0x1F | ((w1 >> 11) & 0x1F) << 5,
            };
            sext(v, 10)
        }
        311 => {
            let g = (i / 3) * 4;
            let w = b(g) | b(g + 1) << 8 | b(g + 2) << 16 | b(g + 3) << 24;
            sext(w >> (10 * (i % 3)), 10)
        }
        _ => 0,
    }
}
