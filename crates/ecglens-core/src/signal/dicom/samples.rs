//! Waveform Data (5400,1010): the multiplex group's samples, interleaved channel by channel (C1S1, C2S1, ...,
//! CnS1, C1S2, ...), as signed or unsigned integers of 8, 16 or 32 bits (PS3.3 C.10.9.1.5), little endian.

/// Waveform Sample Interpretation (5400,1006) with Waveform Bits Allocated (5400,1004).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SampleKind {
    SignedByte,
    UnsignedByte,
    Signed16,
    Unsigned16,
    Signed32,
    Unsigned32,
}

impl SampleKind {
    /// The kind for `bits` allocated and the interpretation code, or a message saying why not.
    pub fn new(bits: u32, interpretation: &str) -> Result<SampleKind, String> {
        let kind = match interpretation.trim() {
            "SB" => SampleKind::SignedByte,
            "UB" => SampleKind::UnsignedByte,
            "SS" => SampleKind::Signed16,
            "US" => SampleKind::Unsigned16,
            "SL" => SampleKind::Signed32,
            "UL" => SampleKind::Unsigned32,
            "MB" | "AB" => {
                return Err(format!(
                    "the waveform is {}-law compressed (sample interpretation '{}'), which ecglens does not read",
                    if interpretation.trim() == "MB" { "µ" } else { "A" },
                    interpretation.trim()
                ))
            }
            other => return Err(format!("the waveform sample interpretation '{other}' is not one DICOM defines")),
        };
        if kind.bytes() * 8 != bits as usize {
            return Err(format!(
                "the waveform stores {bits}-bit samples with interpretation '{}', which needs {} bits",
                interpretation.trim(),
                kind.bytes() * 8
            ));
        }
        Ok(kind)
    }

    pub fn bytes(self) -> usize {
        match self {
            SampleKind::SignedByte | SampleKind::UnsignedByte => 1,
            SampleKind::Signed16 | SampleKind::Unsigned16 => 2,
            SampleKind::Signed32 | SampleKind::Unsigned32 => 4,
        }
    }

    /// The value of the sample that starts `at` (the caller ensures the bytes are there; else 0).
    fn value(self, data: &[u8], at: usize) -> f64 {
        let b = |i: usize| data.get(at + i).copied().unwrap_or(0);
        match self {
            SampleKind::SignedByte => f64::from(b(0) as i8),
            SampleKind::UnsignedByte => f64::from(b(0)),
            SampleKind::Signed16 => f64::from(i16::from_le_bytes([b(0), b(1)])),
            SampleKind::Unsigned16 => f64::from(u16::from_le_bytes([b(0), b(1)])),
            SampleKind::Signed32 => f64::from(i32::from_le_bytes([b(0), b(1), b(2), b(3)])),
            SampleKind::Unsigned32 => f64::from(u32::from_le_bytes([b(0), b(1), b(2), b(3)])),
        }
    }
}

/// How one channel's stored values become millivolts: `mv = (value × scale + offset) × mv_per_unit`, where
/// scale = sensitivity × correction factor and offset = the channel baseline (in the sensitivity's units).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChannelScale {
    pub scale: f64,
    pub offset: f64,
    pub mv_per_unit: f64,
}

/// The bytes the samples need, or `None` when that overflows.
pub fn bytes_needed(n_channels: usize, n_samples: usize, kind: SampleKind) -> Option<usize> {
    n_channels.checked_mul(n_samples)?.checked_mul(kind.bytes())
}

/// De-interleaves and scales the samples of the channels `keep` (indices into `scales`, all < `n_channels`).
/// The caller has checked that `data` holds [`bytes_needed`] bytes and that the sizes are within limits.
pub fn decode(
    data: &[u8],
    n_channels: usize,
    n_samples: usize,
    kind: SampleKind,
    scales: &[ChannelScale],
    keep: &[usize],
) -> Vec<Vec<f32>> {
    let frame = n_channels.saturating_mul(kind.bytes());
    keep.iter()
        .map(|&channel| {
            let s = scales.get(channel).copied().unwrap_or(ChannelScale { scale: 1.0, offset: 0.0, mv_per_unit: 1.0 });
            (0..n_samples)
                .map(|i| {
                    let at = i.saturating_mul(frame).saturating_add(channel.saturating_mul(kind.bytes()));
                    ((kind.value(data, at) * s.scale + s.offset) * s.mv_per_unit) as f32
                })
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds() {
        assert_eq!(SampleKind::new(16, "SS"), Ok(SampleKind::Signed16));
        assert_eq!(SampleKind::new(8, "UB"), Ok(SampleKind::UnsignedByte));
        assert_eq!(SampleKind::new(32, "SL"), Ok(SampleKind::Signed32));
        assert!(SampleKind::new(8, "MB").unwrap_err().contains("µ-law"));
        assert!(SampleKind::new(16, "SB").unwrap_err().contains("needs 8 bits"));
        assert!(SampleKind::new(16, "XX").unwrap_err().contains("'XX'"));
    }

    #[test]
    fn interleaved_scaled() {
        // 2 channels × 3 samples, SS: ch0 = 1, 2, 3; ch1 = -1, -2, -32768
        let raw: [i16; 6] = [1, -1, 2, -2, 3, i16::MIN];
        let data: Vec<u8> = raw.iter().flat_map(|v| v.to_le_bytes()).collect();
        let scales = [
            ChannelScale { scale: 2.5, offset: 0.0, mv_per_unit: 1e-3 },
            ChannelScale { scale: 1.0, offset: 10.0, mv_per_unit: 1.0 },
        ];
        assert_eq!(bytes_needed(2, 3, SampleKind::Signed16), Some(12));
        let out = decode(&data, 2, 3, SampleKind::Signed16, &scales, &[0, 1]);
        assert_eq!(out[0], vec![0.0025, 0.005, 0.0075]);
        assert_eq!(out[1], vec![9.0, 8.0, -32758.0]);
        let only_second = decode(&data, 2, 3, SampleKind::Signed16, &scales, &[1]);
        assert_eq!(only_second.len(), 1);
        assert_eq!(bytes_needed(usize::MAX, 2, SampleKind::Signed16), None);
    }
}
