//! What a `.mat` file holds, level 4 or 5 alike: named variables whose values are numeric arrays (their bytes
//! kept as stored and converted on demand), character arrays, cell arrays, structs, and classes ecglens does not
//! read (sparse, objects, function handles), which are kept by name only, for messages.
//!
//! MATLAB stores every array in column-major order: element `(i, j, k)` of an `a × b × c` array is number
//! `i + a·(j + b·k)` of the stored sequence.

use std::borrow::Cow;

use super::MatError;

/// One variable of the file (a top-level array).
#[derive(Debug, Clone, PartialEq)]
pub struct Variable<'a> {
    pub name: String,
    pub value: Value<'a>,
}

/// An array of any class.
#[derive(Debug, Clone, PartialEq)]
pub enum Value<'a> {
    Numeric(Numeric<'a>),
    /// A character array; `chars` in column-major order, as stored.
    Char {
        dims: Vec<usize>,
        chars: Vec<char>,
    },
    /// A cell array; `items` in column-major order.
    Cell {
        dims: Vec<usize>,
        items: Vec<Value<'a>>,
    },
    /// A struct array: each element (column-major) holds one value per field, in `field_names`' order.
    Struct {
        dims: Vec<usize>,
        field_names: Vec<String>,
        elements: Vec<Vec<Value<'a>>>,
    },
    /// A class ecglens does not read ("sparse matrix", "object of class tsdata", ...).
    Unsupported {
        what: String,
    },
}

impl<'a> Value<'a> {
    /// The same value, owning its bytes (for values parsed out of a decompressed buffer).
    pub fn into_owned(self) -> Value<'static> {
        match self {
            Value::Numeric(n) => Value::Numeric(Numeric {
                class: n.class,
                dims: n.dims,
                complex: n.complex,
                data: Data {
                    ty: n.data.ty,
                    big_endian: n.data.big_endian,
                    bytes: Cow::Owned(n.data.bytes.into_owned()),
                },
            }),
            Value::Char { dims, chars } => Value::Char { dims, chars },
            Value::Cell { dims, items } => {
                Value::Cell { dims, items: items.into_iter().map(Value::into_owned).collect() }
            }
            Value::Struct { dims, field_names, elements } => Value::Struct {
                dims,
                field_names,
                elements: elements.into_iter().map(|e| e.into_iter().map(Value::into_owned).collect()).collect(),
            },
            Value::Unsupported { what } => Value::Unsupported { what },
        }
    }

    /// What it is, for messages: "12 × 5000 double", "1 × 1 struct", "char", "sparse matrix".
    pub fn describe(&self) -> String {
        match self {
            Value::Numeric(n) => {
                format!("{} {}{}", shape(&n.dims), n.class.name(), if n.complex { " (complex)" } else { "" })
            }
            Value::Char { dims, .. } => format!("{} char", shape(dims)),
            Value::Cell { dims, .. } => format!("{} cell", shape(dims)),
            Value::Struct { dims, .. } => format!("{} struct", shape(dims)),
            Value::Unsupported { what } => what.clone(),
        }
    }

    /// The fields of a 1 × 1 struct, by name.
    pub fn struct_fields(&self) -> Option<Vec<(&str, &Value<'a>)>> {
        match self {
            Value::Struct { field_names, elements, .. } if elements.len() == 1 => {
                let values = elements.first()?;
                Some(field_names.iter().map(String::as_str).zip(values.iter()).collect())
            }
            _ => None,
        }
    }

    /// A character array as text: one string per row (trailing blanks and NULs trimmed).
    pub fn text_rows(&self) -> Option<Vec<String>> {
        let Value::Char { dims, chars } = self else { return None };
        let rows = dims.first().copied().unwrap_or(0);
        let cols: usize = dims.iter().skip(1).product();
        if rows == 0 || rows.checked_mul(cols) != Some(chars.len()) {
            return Some(vec![chars.iter().collect::<String>().trim_end_matches([' ', '\0']).to_string()]);
        }
        let row = |i: usize| -> String {
            (0..cols)
                .filter_map(|j| chars.get(i + rows * j))
                .collect::<String>()
                .trim_end_matches([' ', '\0'])
                .to_string()
        };
        Some((0..rows).map(row).collect())
    }

    /// The value as one number: a numeric array of one element, or text that parses as one ("500", "500 Hz").
    pub fn as_scalar(&self) -> Option<f64> {
        match self {
            Value::Numeric(n) if n.data.len() == 1 && !n.complex => n.data.get(0),
            Value::Char { .. } => {
                let text = self.text_rows()?.join(" ");
                let t = text.trim();
                let t = t.strip_suffix("Hz").or_else(|| t.strip_suffix("hz")).unwrap_or(t);
                t.trim().parse::<f64>().ok()
            }
            _ => None,
        }
    }
}

/// "12 × 5000".
pub fn shape(dims: &[usize]) -> String {
    dims.iter().map(usize::to_string).collect::<Vec<_>>().join(" × ")
}

/// The product of `dims`, or an error when it overflows.
pub fn element_count(dims: &[usize]) -> Result<usize, MatError> {
    dims.iter().try_fold(1usize, |acc, &d| acc.checked_mul(d)).ok_or_else(|| {
        MatError::TooLarge(format!("an array of shape {} has more elements than a computer can hold", shape(dims)))
    })
}

/// A numeric (or logical) array.
#[derive(Debug, Clone, PartialEq)]
pub struct Numeric<'a> {
    pub class: Class,
    pub dims: Vec<usize>,
    /// Complex arrays are kept (for a clear message) but only their real part is stored.
    pub complex: bool,
    pub data: Data<'a>,
}

/// An array's MATLAB class (its type as MATLAB shows it, whatever type its values are stored as).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    Double,
    Single,
    Int8,
    Uint8,
    Int16,
    Uint16,
    Int32,
    Uint32,
    Int64,
    Uint64,
    Logical,
}

impl Class {
    pub fn name(self) -> &'static str {
        match self {
            Class::Double => "double",
            Class::Single => "single",
            Class::Int8 => "int8",
            Class::Uint8 => "uint8",
            Class::Int16 => "int16",
            Class::Uint16 => "uint16",
            Class::Int32 => "int32",
            Class::Uint32 => "uint32",
            Class::Int64 => "int64",
            Class::Uint64 => "uint64",
            Class::Logical => "logical",
        }
    }
}

/// How stored numbers are encoded (level 5 may store a double array as int16 when its values fit).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumType {
    I8,
    U8,
    I16,
    U16,
    I32,
    U32,
    I64,
    U64,
    F32,
    F64,
}

impl NumType {
    pub fn size(self) -> usize {
        match self {
            NumType::I8 | NumType::U8 => 1,
            NumType::I16 | NumType::U16 => 2,
            NumType::I32 | NumType::U32 | NumType::F32 => 4,
            NumType::I64 | NumType::U64 | NumType::F64 => 8,
        }
    }
}

/// Stored numbers: their encoding, byte order and bytes (borrowed from the file, or owned after inflating).
#[derive(Debug, Clone, PartialEq)]
pub struct Data<'a> {
    pub ty: NumType,
    pub big_endian: bool,
    pub bytes: Cow<'a, [u8]>,
}

impl Data<'_> {
    /// How many numbers (whole ones: a trailing partial number is not one).
    pub fn len(&self) -> usize {
        self.bytes.len() / self.ty.size()
    }

    /// Number `index` as f64, or `None` past the end.
    pub fn get(&self, index: usize) -> Option<f64> {
        let size = self.ty.size();
        let start = index.checked_mul(size)?;
        let raw = self.bytes.get(start..start.checked_add(size)?)?;
        let mut b = [0u8; 8];
        b.get_mut(..size)?.copy_from_slice(raw);
        if self.big_endian {
            b.get_mut(..size)?.reverse();
        }
        // `b` now holds the number little-endian in its first `size` bytes.
        Some(match self.ty {
            NumType::I8 => f64::from(b[0] as i8),
            NumType::U8 => f64::from(b[0]),
            NumType::I16 => f64::from(i16::from_le_bytes([b[0], b[1]])),
            NumType::U16 => f64::from(u16::from_le_bytes([b[0], b[1]])),
            NumType::I32 => f64::from(i32::from_le_bytes([b[0], b[1], b[2], b[3]])),
            NumType::U32 => f64::from(u32::from_le_bytes([b[0], b[1], b[2], b[3]])),
            NumType::F32 => f64::from(f32::from_le_bytes([b[0], b[1], b[2], b[3]])),
            NumType::I64 => i64::from_le_bytes(b) as f64,
            NumType::U64 => u64::from_le_bytes(b) as f64,
            NumType::F64 => f64::from_le_bytes(b),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_decodes_each_type_in_both_byte_orders() {
        let le = Data { ty: NumType::I16, big_endian: false, bytes: Cow::Borrowed(&[0x0b, 0xff, 0x10, 0x00]) };
        assert_eq!((le.len(), le.get(0), le.get(1), le.get(2)), (2, Some(-245.0), Some(16.0), None));
        let be = Data { ty: NumType::F64, big_endian: true, bytes: Cow::Owned(1.5f64.to_be_bytes().to_vec()) };
        assert_eq!(be.get(0), Some(1.5));
        let u = Data { ty: NumType::U32, big_endian: true, bytes: Cow::Borrowed(&[0, 0, 1, 0, 9]) };
        assert_eq!((u.len(), u.get(0), u.get(1)), (1, Some(256.0), None));
        let big = Data { ty: NumType::U64, big_endian: false, bytes: Cow::Borrowed(&[0xff; 8]) };
        assert_eq!(big.get(0), Some(u64::MAX as f64));
        assert_eq!(big.get(usize::MAX), None);
    }

    #[test]
    fn text_rows_read_column_major() {
        // A 2 × 3 char array ["I  "; "aVR"] is stored column by column: I a, ' ' V, ' ' R.
        let v = Value::Char { dims: vec![2, 3], chars: "Ia V R".chars().collect() };
        assert_eq!(v.text_rows().unwrap(), vec!["I", "aVR"]);
        let s = Value::Char { dims: vec![1, 6], chars: "500 Hz".chars().collect() };
        assert_eq!(s.as_scalar(), Some(500.0));
        assert!(element_count(&[usize::MAX, 2]).unwrap_err().message().contains("more elements"));
        assert_eq!(shape(&[12, 5000]), "12 × 5000");
    }
}
