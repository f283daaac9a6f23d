//! The `.npy` preamble and header: magic, version, header length, and the header's Python-literal dict
//! (`{'descr': '<f4', 'fortran_order': False, 'shape': (12, 5000), }`), parsed as a literal (never evaluated),
//! like numpy's `_read_array_header` does with `ast.literal_eval` (numpy/lib/_format_impl.py).

use std::fmt;

/// The preamble before the header: magic (6 bytes), version (2), header length (2 in v1.0, 4 in v2.0/3.0).
pub const MAGIC: &[u8; 6] = b"\x93NUMPY";

/// A NumPy header is a few hundred bytes; numpy itself refuses more than 10,000 characters unless told otherwise.
pub const MAX_HEADER_LEN: usize = 65_536;

/// What the preamble says: the format version and where the header (and after it the data) lies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Preamble {
    pub major: u8,
    pub minor: u8,
    /// Bytes from the start of the file to the header text.
    pub header_start: usize,
    pub header_len: usize,
}

impl Preamble {
    /// Bytes from the start of the file to the array's data.
    pub fn data_start(&self) -> usize {
        self.header_start.saturating_add(self.header_len)
    }
}

/// Reads the preamble from the file's first bytes (at least 12, or all there are). `Err` is the message.
pub fn preamble(head: &[u8]) -> Result<Preamble, String> {
    if !head.starts_with(MAGIC) {
        return Err("it does not start with NumPy's magic bytes (\\x93NUMPY): not an .npy file".into());
    }
    let (Some(&major), Some(&minor)) = (head.get(6), head.get(7)) else {
        return Err(format!("the file is {} bytes long, too short for an .npy header: it is truncated", head.len()));
    };
    let (width, header_start) = match major {
        1 => (2, 10),
        2 | 3 => (4, 12),
        _ => return Err(format!("it is .npy version {major}.{minor}; ecglens reads versions 1.0, 2.0 and 3.0")),
    };
    let Some(len_bytes) = head.get(8..8 + width) else {
        return Err(format!("the file is {} bytes long, too short for an .npy header: it is truncated", head.len()));
    };
    let header_len = len_bytes.iter().rev().fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
    if header_len > MAX_HEADER_LEN {
        return Err(format!(
            "its header claims {} bytes; a NumPy header is a few hundred: the file is corrupt",
            super::super::thousands(header_len)
        ));
    }
    Ok(Preamble { major, minor, header_start, header_len })
}

/// The numeric types ecglens reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Float,
    Int,
    Uint,
}

/// An array's element type (`descr`): kind, size in bytes, byte order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dtype {
    pub kind: Kind,
    pub size: usize,
    pub big_endian: bool,
}

impl Dtype {
    /// Parses a `descr` string ("<f4", ">i2", "|u1", "=f8"). `Err` says, in words, why it cannot be read.
    pub fn parse(descr: &str) -> Result<Dtype, String> {
        let mut chars = descr.chars();
        let (big_endian, rest) = match chars.next() {
            Some('<') | Some('=') | Some('|') => (false, chars.as_str()),
            Some('>') | Some('!') => (true, chars.as_str()),
            _ => (false, descr),
        };
        let mut rest_chars = rest.chars();
        let kind_char = rest_chars.next().unwrap_or(' ');
        let size: Option<usize> = rest_chars.as_str().parse().ok();
        let refuse = |what: &str| Err(format!("its elements are {what} (dtype '{descr}'), not numbers ecglens reads"));
        let kind = match kind_char {
            'f' => Kind::Float,
            'i' => Kind::Int,
            'u' => Kind::Uint,
            'c' => return refuse("complex numbers"),
            'O' => return refuse("Python objects (saved with pickle)"),
            'U' | 'S' | 'a' => return refuse("text"),
            'b' | '?' => return refuse("booleans"),
            'M' | 'm' => return refuse("dates or time spans"),
            'V' => return refuse("raw bytes or record fields"),
            _ => return Err(format!("its dtype '{descr}' is not a NumPy type ecglens knows")),
        };
        let ok = matches!((kind, size), (Kind::Float, Some(4 | 8)) | (Kind::Int | Kind::Uint, Some(1 | 2 | 4 | 8)));
        if !ok {
            return Err(format!(
                "its dtype '{descr}' is not one ecglens reads (float32, float64, or integers of 1, 2, 4 or 8 bytes); convert it with .astype(np.float32)"
            ));
        }
        Ok(Dtype { kind, size: size.unwrap_or(0), big_endian })
    }

    /// The element at the start of `bytes` (exactly `size` long) as a number.
    pub fn value(self, bytes: &[u8]) -> f64 {
        let mut b = [0u8; 8];
        for (i, v) in bytes.iter().take(8).enumerate() {
            // Little-endian order in `b`, whatever the file's.
            let at = if self.big_endian { self.size.saturating_sub(1 + i) } else { i };
            if let Some(slot) = b.get_mut(at) {
                *slot = *v;
            }
        }
        match (self.kind, self.size) {
            (Kind::Float, 4) => f64::from(f32::from_le_bytes([b[0], b[1], b[2], b[3]])),
            (Kind::Float, _) => f64::from_le_bytes(b),
            (Kind::Int, 1) => f64::from(b[0] as i8),
            (Kind::Int, 2) => f64::from(i16::from_le_bytes([b[0], b[1]])),
            (Kind::Int, 4) => f64::from(i32::from_le_bytes([b[0], b[1], b[2], b[3]])),
            (Kind::Int, _) => i64::from_le_bytes(b) as f64,
            (Kind::Uint, 1) => f64::from(b[0]),
            (Kind::Uint, 2) => f64::from(u16::from_le_bytes([b[0], b[1]])),
            (Kind::Uint, 4) => f64::from(u32::from_le_bytes([b[0], b[1], b[2], b[3]])),
            (Kind::Uint, _) => u64::from_le_bytes(b) as f64,
        }
    }

    /// "float32", "int16", ..., for messages and the detail line.
    pub fn name(self) -> String {
        let kind = match self.kind {
            Kind::Float => "float",
            Kind::Int => "int",
            Kind::Uint => "uint",
        };
        let order = if self.big_endian && self.size > 1 { ", big-endian" } else { "" };
        format!("{kind}{}{order}", self.size * 8)
    }
}

/// The header's three keys.
#[derive(Debug, Clone, PartialEq)]
pub struct Header {
    /// `Err` (why not) when the elements are not numbers ecglens reads, e.g. text (`<U3`), which only the npz
    /// reader reads, for lead names.
    pub dtype: Result<Dtype, String>,
    /// The raw `descr` text.
    pub descr: String,
    pub fortran_order: bool,
    pub shape: Vec<usize>,
}

impl Header {
    /// Elements in the array (`None` on overflow).
    pub fn n_elements(&self) -> Option<usize> {
        self.shape.iter().try_fold(1usize, |acc, d| acc.checked_mul(*d))
    }

    /// "(12, 5000)" as numpy prints a shape.
    pub fn shape_text(&self) -> String {
        shape_text(&self.shape)
    }
}

/// "(12, 5000)", "(5000,)", "()".
pub fn shape_text(shape: &[usize]) -> String {
    match shape {
        [one] => format!("({one},)"),
        _ => format!("({})", shape.iter().map(usize::to_string).collect::<Vec<_>>().join(", ")),
    }
}

/// Parses the header text (the dict). `Err` is the message.
pub fn parse(text: &str) -> Result<Header, String> {
    let mut p = Parser { s: text.as_bytes(), at: 0 };
    let value = p.value(0).map_err(|e| format!("its header is not a valid NumPy header ({e})"))?;
    p.blanks();
    if p.at < p.s.len() {
        return Err(format!("its header is not a valid NumPy header (unexpected text at character {})", p.at + 1));
    }
    let Literal::Dict(entries) = value else {
        return Err("its header is not a dictionary: not a NumPy header".into());
    };
    let get = |key: &str| entries.iter().find(|(k, _)| matches!(k, Literal::Str(s) if s == key)).map(|(_, v)| v);
    let descr = match get("descr") {
        Some(Literal::Str(s)) => s.clone(),
        Some(Literal::List(_)) => {
            return Err("it holds a structured array (record fields): save the ECG as a plain numeric array".into())
        }
        _ => return Err("its header has no 'descr' (element type)".into()),
    };
    let fortran_order = match get("fortran_order") {
        Some(Literal::Bool(b)) => *b,
        _ => return Err("its header has no 'fortran_order' (True or False)".into()),
    };
    let shape = match get("shape") {
        Some(Literal::Tuple(items)) => items
            .iter()
            .map(|v| match v {
                Literal::Int(n) => usize::try_from(*n).ok(),
                _ => None,
            })
            .collect::<Option<Vec<usize>>>()
            .ok_or_else(|| format!("its header's shape {} is not a tuple of sizes", Literal::Tuple(items.clone())))?,
        _ => return Err("its header has no 'shape' (a tuple of sizes)".into()),
    };
    Ok(Header { dtype: Dtype::parse(&descr), descr, fortran_order, shape })
}

/// A Python literal, as far as a NumPy header uses them.
#[derive(Debug, Clone, PartialEq)]
enum Literal {
    Str(String),
    Int(i128),
    Bool(bool),
    None,
    Tuple(Vec<Literal>),
    List(Vec<Literal>),
    Dict(Vec<(Literal, Literal)>),
}

impl fmt::Display for Literal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let list = |f: &mut fmt::Formatter<'_>, items: &[Literal]| {
            items.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ").fmt(f)
        };
        match self {
            Literal::Str(s) => write!(f, "'{s}'"),
            Literal::Int(n) => write!(f, "{n}"),
            Literal::Bool(b) => write!(f, "{}", if *b { "True" } else { "False" }),
            Literal::None => write!(f, "None"),
            Literal::Tuple(items) => {
                write!(f, "(")?;
                list(f, items)?;
                write!(f, ")")
            }
            Literal::List(items) => {
                write!(f, "[")?;
                list(f, items)?;
                write!(f, "]")
            }
            Literal::Dict(_) => write!(f, "{{...}}"),
        }
    }
}

/// Nesting deeper than this is no NumPy header (and would risk the stack).
const MAX_DEPTH: usize = 16;

struct Parser<'a> {
    s: &'a [u8],
    at: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.at).copied()
    }

    fn blanks(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' | b'\0')) {
            self.at += 1;
        }
    }

    fn value(&mut self, depth: usize) -> Result<Literal, String> {
        if depth > MAX_DEPTH {
            return Err("nested too deeply".into());
        }
        self.blanks();
        match self.peek() {
            Some(q @ (b'\'' | b'"')) => self.string(q),
            Some(b'(') => self.sequence(b')', depth).map(Literal::Tuple),
            Some(b'[') => self.sequence(b']', depth).map(Literal::List),
            Some(b'{') => self.dict(depth),
            Some(b'-' | b'+' | b'0'..=b'9') => self.int(),
            Some(c) if c.is_ascii_alphabetic() => {
                let start = self.at;
                while self.peek().is_some_and(|c| c.is_ascii_alphanumeric() || c == b'_') {
                    self.at += 1;
                }
                match self.s.get(start..self.at) {
                    Some(b"True") => Ok(Literal::Bool(true)),
                    Some(b"False") => Ok(Literal::Bool(false)),
                    Some(b"None") => Ok(Literal::None),
                    _ => Err(format!("unexpected name at character {}", start + 1)),
                }
            }
            Some(_) => Err(format!("unexpected character at {}", self.at + 1)),
            None => Err("it ends too early".into()),
        }
    }

    fn string(&mut self, quote: u8) -> Result<Literal, String> {
        let start = self.at;
        self.at += 1;
        let mut out = Vec::new();
        loop {
            match self.peek() {
                None | Some(b'\n') => return Err(format!("unterminated string from character {}", start + 1)),
                Some(c) if c == quote => {
                    self.at += 1;
                    break;
                }
                Some(b'\\') => {
                    self.at += 1;
                    let c = self.peek().ok_or("unterminated string")?;
                    out.push(match c {
                        b'n' => b'\n',
                        b't' => b'\t',
                        other => other,
                    });
                    self.at += 1;
                }
                Some(c) => {
                    out.push(c);
                    self.at += 1;
                }
            }
        }
        Ok(Literal::Str(String::from_utf8_lossy(&out).into_owned()))
    }

    fn int(&mut self) -> Result<Literal, String> {
        let start = self.at;
        if matches!(self.peek(), Some(b'-' | b'+')) {
            self.at += 1;
        }
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.at += 1;
        }
        let text = std::str::from_utf8(self.s.get(start..self.at).unwrap_or_default()).unwrap_or_default();
        let n: i128 = text.parse().map_err(|_| format!("not a whole number at character {}", start + 1))?;
        // Python 2 wrote long integers as "5000L"; numpy still reads them (`_filter_header`).
        if matches!(self.peek(), Some(b'L' | b'l')) {
            self.at += 1;
        }
        Ok(Literal::Int(n))
    }

    /// Items up to `close`, comma-separated, a trailing comma allowed. A tuple without items is `()`.
    fn sequence(&mut self, close: u8, depth: usize) -> Result<Vec<Literal>, String> {
        self.at += 1;
        let mut items = Vec::new();
        loop {
            self.blanks();
            if self.peek() == Some(close) {
                self.at += 1;
                return Ok(items);
            }
            items.push(self.value(depth + 1)?);
            self.blanks();
            match self.peek() {
                Some(b',') => self.at += 1,
                Some(c) if c == close => {}
                _ => return Err(format!("expected ',' or '{}' at character {}", char::from(close), self.at + 1)),
            }
        }
    }

    fn dict(&mut self, depth: usize) -> Result<Literal, String> {
        self.at += 1;
        let mut entries = Vec::new();
        loop {
            self.blanks();
            if self.peek() == Some(b'}') {
                self.at += 1;
                return Ok(Literal::Dict(entries));
            }
            let key = self.value(depth + 1)?;
            self.blanks();
            if self.peek() != Some(b':') {
                return Err(format!("expected ':' at character {}", self.at + 1));
            }
            self.at += 1;
            let value = self.value(depth + 1)?;
            entries.push((key, value));
            self.blanks();
            match self.peek() {
                Some(b',') => self.at += 1,
                Some(b'}') => {}
                _ => return Err(format!("expected ',' or '}}' at character {}", self.at + 1)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_as_numpy_writes_them() {
        let h = parse("{'descr': '<f4', 'fortran_order': False, 'shape': (12, 5000), }          \n").unwrap();
        assert_eq!(h.dtype, Ok(Dtype { kind: Kind::Float, size: 4, big_endian: false }));
        assert_eq!((h.fortran_order, h.shape.clone()), (false, vec![12, 5000]));
        assert_eq!(h.shape_text(), "(12, 5000)");
        let h = parse("{\"shape\": (5000L,), \"fortran_order\": True, \"descr\": \">i2\"}").unwrap();
        assert_eq!(h.shape, vec![5000]);
        assert!(h.fortran_order);
        assert_eq!(h.dtype.unwrap().name(), "int16, big-endian");
        assert_eq!(parse("{'descr': '<f8', 'fortran_order': False, 'shape': ()}").unwrap().shape_text(), "()");
        assert_eq!(parse("{'descr': '<U3', 'fortran_order': False, 'shape': (12,)}").unwrap().shape_text(), "(12,)");
    }

    #[test]
    fn bad_headers_say_why() {
        let e = parse("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (3,)}").unwrap_err();
        assert!(e.contains("structured array"), "{e}");
        assert!(parse("{'descr': '<f4', 'shape': (3,)}").unwrap_err().contains("fortran_order"));
        assert!(parse("{'descr': '<f4', 'fortran_order': False, 'shape': (-3,)}").unwrap_err().contains("shape"));
        assert!(parse("{'descr': '<f4', 'fortran_order': False, 'shape': (3,)").unwrap_err().contains("not a valid"));
        assert!(parse("__import__('os')").unwrap_err().contains("not a valid"));
        assert!(parse(&"(".repeat(100)).unwrap_err().contains("nested too deeply"));
        assert!(Dtype::parse("<c16").unwrap_err().contains("complex numbers"));
        assert!(Dtype::parse("|O").unwrap_err().contains("Python objects"));
        assert!(Dtype::parse("<U3").unwrap_err().contains("text"));
        assert!(Dtype::parse("<f2").unwrap_err().contains("float32, float64"));
    }

    #[test]
    fn values_in_either_byte_order() {
        let le = Dtype::parse("<f4").unwrap();
        assert_eq!(le.value(&1.5f32.to_le_bytes()), 1.5);
        let be = Dtype::parse(">f8").unwrap();
        assert_eq!(be.value(&(-2.25f64).to_be_bytes()), -2.25);
        assert_eq!(Dtype::parse(">i2").unwrap().value(&(-300i16).to_be_bytes()), -300.0);
        assert_eq!(Dtype::parse("|i1").unwrap().value(&[0xff]), -1.0);
        assert_eq!(Dtype::parse("|u1").unwrap().value(&[0xff]), 255.0);
        assert_eq!(Dtype::parse("<u2").unwrap().value(&[0x01, 0x02]), 513.0);
        assert_eq!(Dtype::parse("<i8").unwrap().value(&(-7i64).to_le_bytes()), -7.0);
    }

    #[test]
    fn preambles() {
        let p = preamble(b"\x93NUMPY\x01\x00\x76\x00").unwrap();
        assert_eq!((p.header_start, p.header_len, p.data_start()), (10, 118, 128));
        let p = preamble(b"\x93NUMPY\x02\x00\x76\x00\x00\x00").unwrap();
        assert_eq!((p.major, p.header_start, p.header_len), (2, 12, 118));
        assert!(preamble(b"\x93NUMPY\x04\x00\x76\x00").unwrap_err().contains("version 4.0"));
        assert!(preamble(b"\x93NUMPY\x02\x00\x76").unwrap_err().contains("truncated"));
        assert!(preamble(b"\x93NUMPY\x02\x00\xff\xff\xff\xff").unwrap_err().contains("corrupt"));
        assert!(preamble(b"PK\x03\x04").unwrap_err().contains("magic"));
    }
}
