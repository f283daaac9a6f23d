//! EDF+ Time-stamped Annotation Lists (TALs), the bytes of an "EDF Annotations" signal in one data record:
//! `+onset[\x15duration]\x14text\x14[text\x14...]\x00`, repeated, then zero padding (EDF+ spec, section 2.2.2).
//! The first TAL of the first annotation signal of each record is the record's time-keeping TAL (`+onset\x14\x14`):
//! the record's start, in seconds from the header's start time.

/// One TAL: its onset, duration and texts (empty texts dropped: a time-keeping TAL has none).
#[derive(Debug, Clone, PartialEq)]
pub struct Tal {
    pub onset_s: f64,
    pub duration_s: Option<f64>,
    pub texts: Vec<String>,
}

/// The TALs of one annotation signal's bytes in one record, and how many pieces could not be read.
pub fn parse(bytes: &[u8]) -> (Vec<Tal>, usize) {
    let mut tals = Vec::new();
    let mut bad = 0;
    for piece in bytes.split(|&b| b == 0) {
        if piece.is_empty() {
            continue;
        }
        match parse_one(piece) {
            Some(t) => tals.push(t),
            None => bad += 1,
        }
    }
    (tals, bad)
}

fn parse_one(piece: &[u8]) -> Option<Tal> {
    let mut parts = piece.split(|&b| b == 0x14);
    let time = parts.next()?;
    let (onset, duration) = match time.iter().position(|&b| b == 0x15) {
        Some(at) => (time.get(..at)?, Some(time.get(at + 1..)?)),
        None => (time, None),
    };
    if !matches!(onset.first(), Some(b'+') | Some(b'-')) {
        return None;
    }
    let onset_s = seconds(onset)?;
    let duration_s = match duration {
        Some(d) if !d.is_empty() => Some(seconds(d).filter(|v| *v >= 0.0)?),
        _ => None,
    };
    // A TAL ends with 0x14: the piece after the last 0x14 is empty. Without any 0x14 it is not a TAL.
    if !piece.contains(&0x14) {
        return None;
    }
    let texts = parts.map(|t| String::from_utf8_lossy(t).trim().to_string()).filter(|t| !t.is_empty()).collect();
    Some(Tal { onset_s, duration_s, texts })
}

/// "+12.5", "-0.25", "3" as seconds: ASCII digits with one optional point, an optional sign.
fn seconds(bytes: &[u8]) -> Option<f64> {
    let text = std::str::from_utf8(bytes).ok()?;
    let digits = text.strip_prefix(['+', '-']).unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return None;
    }
    text.parse::<f64>().ok().filter(|v| v.is_finite())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_keeping_and_annotations() {
        let (tals, bad) = parse(b"+0.5\x14\x14\x00+2.25\x151.5\x14Arousal\x14Second\x14\x00+3\x14\x14\x00\x00\x00");
        assert_eq!(bad, 0);
        assert_eq!(tals.len(), 3);
        assert_eq!(tals[0], Tal { onset_s: 0.5, duration_s: None, texts: vec![] });
        assert_eq!(
            tals[1],
            Tal { onset_s: 2.25, duration_s: Some(1.5), texts: vec!["Arousal".into(), "Second".into()] }
        );
        assert_eq!(tals[2].onset_s, 3.0);
    }

    #[test]
    fn broken_tals_are_counted_not_fatal() {
        let (tals, bad) =
            parse(b"12\x14x\x14\x00+1e5\x14y\x14\x00+nan\x14\x14\x00+1\x15-2\x14z\x14\x00+4\x00-2\x14neg\x14\x00");
        assert_eq!(bad, 5);
        assert_eq!(tals, vec![Tal { onset_s: -2.0, duration_s: None, texts: vec!["neg".into()] }]);
        assert_eq!(parse(b""), (vec![], 0));
    }

    #[test]
    fn utf8_texts() {
        let (tals, _) = parse("+1\x14中文\x14\x00".as_bytes());
        assert_eq!(tals[0].texts, vec!["中文".to_string()]);
    }
}
