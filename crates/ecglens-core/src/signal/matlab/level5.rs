//! MATLAB level 5 MAT-files (MATLAB 5 to 7.x without `-v7.3`), after MathWorks' "MAT-File Format" (the level 5
//! chapter: header, data element tags and the small data element format, `miMATRIX` sub-elements, the array
//! classes) and scipy's reader (scipy/scipy, `scipy/io/matlab/_mio5.py`, `_mio5_utils.pyx`, `_mio5_params.py`).
//!
//! A 128-byte header (116 bytes of text, an 8-byte subsystem offset, version 0x0100, the endian mark "IM"
//! written as a 16-bit word: bytes "IM" = little-endian, "MI" = big-endian), then data elements. Each element
//! has an 8-byte tag (type, byte count) and its data padded to 8 bytes, or, when it holds at most 4 bytes, a
//! 4-byte tag whose upper 16 bits are the byte count. A variable is one `miMATRIX` element (array flags with
//! the class, dimensions, name, then the class's parts) or one `miCOMPRESSED` element: a zlib stream holding
//! such an element. Structs and cells nest further `miMATRIX` elements.

use std::borrow::Cow;

use super::value::{element_count, Class, Data, NumType, Numeric, Value, Variable};
use super::MatError;
use crate::signal::thousands;

/// The data element types (the format's `mi*` codes).
const MI_INT8: u32 = 1;
const MI_UINT8: u32 = 2;
const MI_INT16: u32 = 3;
const MI_UINT16: u32 = 4;
const MI_INT32: u32 = 5;
const MI_UINT32: u32 = 6;
const MI_SINGLE: u32 = 7;
const MI_DOUBLE: u32 = 9;
const MI_INT64: u32 = 12;
const MI_UINT64: u32 = 13;
const MI_MATRIX: u32 = 14;
const MI_COMPRESSED: u32 = 15;
const MI_UTF8: u32 = 16;
const MI_UTF16: u32 = 17;
const MI_UTF32: u32 = 18;

/// Cells and structs nest at most this deep (a hostile file could nest until the stack overflows).
const MAX_DEPTH: usize = 32;
/// At most this many arrays in one file, nested ones included (each costs memory beyond its bytes).
const MAX_ARRAYS: usize = 200_000;
/// At most this many bytes inflated from all compressed variables together (any array within
/// [`MAX_TOTAL_SAMPLES`](crate::signal::limits::MAX_TOTAL_SAMPLES) fits, stored as double).
pub const MAX_INFLATED_BYTES: usize = 8 * crate::signal::limits::MAX_TOTAL_SAMPLES;

/// A parsed level 5 file.
#[derive(Debug)]
pub struct Level5<'a> {
    /// The header's text ("MATLAB 5.0 MAT-file, Platform: ..., Created on: ..."), trimmed.
    pub text: String,
    pub big_endian: bool,
    /// Whether any variable was stored compressed (MATLAB 7's default).
    pub compressed: bool,
    pub variables: Vec<Variable<'a>>,
}

/// Whether `bytes` start like a level 5 file (header text, then the version and endian mark at 124..128).
pub fn looks_like(bytes: &[u8]) -> bool {
    matches!(bytes.get(126..128), Some(b"IM") | Some(b"MI"))
}

/// Parses a level 5 file. A 7.3 file (HDF5 behind the same header) is refused by the caller.
pub fn parse(bytes: &[u8]) -> Result<Level5<'_>, MatError> {
    let header = bytes.get(..128).ok_or_else(|| {
        MatError::Malformed(format!(
            "the file is {} bytes long, shorter than the 128-byte MATLAB 5 header: it is truncated",
            bytes.len()
        ))
    })?;
    let big_endian = header.get(126..128) == Some(b"MI");
    let version = if big_endian {
        u16::from_be_bytes([header[124], header[125]])
    } else {
        u16::from_le_bytes([header[124], header[125]])
    };
    if version != 0x0100 {
        return Err(MatError::Malformed(format!(
            "the header gives version 0x{version:04x}; a MATLAB 5 file has 0x0100 (a MATLAB 7.3 file is HDF5)"
        )));
    }
    let text: String =
        header[..116].iter().map(|&b| if b.is_ascii_graphic() || b == b' ' { b as char } else { ' ' }).collect();
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut parser = Parser { big_endian, arrays: 0, inflated: 0, compressed: false };
    let mut variables = Vec::new();
    let mut at = 128usize;
    while at < bytes.len() {
        let rest = &bytes[at..];
        if rest.len() < 8 {
            if rest.iter().all(|&b| b == 0) {
                break; // padding at the end
            }
            return Err(MatError::Malformed(format!(
                "the file ends {} bytes into the tag of variable {} (byte {}): it is truncated",
                rest.len(),
                variables.len() + 1,
                thousands(at)
            )));
        }
        let tag = parser
            .tag(rest)
            .map_err(|e| e.context(&format!("variable {} (byte {})", variables.len() + 1, thousands(at))))?;
        let data = tag.data(rest).ok_or_else(|| {
            MatError::Malformed(format!(
                "variable {} (at byte {}) is {} bytes long, but the file ends {} bytes after its start: it is truncated",
                variables.len() + 1,
                thousands(at),
                thousands(tag.size),
                thousands(rest.len().saturating_sub(tag.data_start))
            ))
        })?;
        let where_ = format!("variable {} (byte {})", variables.len() + 1, thousands(at));
        match tag.ty {
            MI_MATRIX => {
                let (name, value) = parser.matrix(data, 0).map_err(|e| e.context(&where_))?;
                variables.push(Variable { name, value });
            }
            MI_COMPRESSED => {
                parser.compressed = true;
                let inflated = parser.inflate(data).map_err(|e| e.context(&where_))?;
                let inner = parser.tag(&inflated).map_err(|e| e.context(&where_))?;
                let body = inner.data(&inflated).ok_or_else(|| {
                    MatError::Malformed(format!(
                        "{where_}: its compressed data hold {} bytes, fewer than the {} its array says: the file is truncated or corrupt",
                        thousands(inflated.len()),
                        thousands(inner.size)
                    ))
                })?;
                if inner.ty != MI_MATRIX {
                    return Err(MatError::Malformed(format!(
                        "{where_}: its compressed data hold an element of type {}, not an array",
                        inner.ty
                    )));
                }
                let (name, value) = parser.matrix(body, 0).map_err(|e| e.context(&where_))?;
                variables.push(Variable { name, value: value.into_owned() });
            }
            _ => {} // other top-level elements carry nothing ecglens reads
        }
        // Compressed elements are not padded; the others are, to 8 bytes (the last one may stop at the end).
        let next = if tag.ty == MI_COMPRESSED { tag.data_start.saturating_add(tag.size) } else { tag.next };
        at = at.saturating_add(next.max(8));
    }
    Ok(Level5 { text, big_endian, compressed: parser.compressed, variables })
}

/// A data element's tag.
#[derive(Debug, Clone, Copy)]
struct Tag {
    ty: u32,
    /// Bytes of data.
    size: usize,
    /// Where the data start, from the tag's start.
    data_start: usize,
    /// Where the next element starts (data padded to 8 bytes), from the tag's start.
    next: usize,
}

impl Tag {
    /// The element's data within `bytes` (which start at the tag), or `None` when they run past the end.
    fn data<'b>(&self, bytes: &'b [u8]) -> Option<&'b [u8]> {
        bytes.get(self.data_start..self.data_start.checked_add(self.size)?)
    }
}

struct Parser {
    big_endian: bool,
    /// Arrays parsed so far (nested ones too), against [`MAX_ARRAYS`].
    arrays: usize,
    /// Bytes inflated so far, against [`MAX_INFLATED_BYTES`].
    inflated: usize,
    compressed: bool,
}

impl Parser {
    fn u32_at(&self, bytes: &[u8], at: usize) -> Option<u32> {
        let b: [u8; 4] = bytes.get(at..at.checked_add(4)?)?.try_into().ok()?;
        Some(if self.big_endian { u32::from_be_bytes(b) } else { u32::from_le_bytes(b) })
    }

    /// The tag at the start of `bytes` (at least 8 bytes must be there; the data may be cut short).
    fn tag(&self, bytes: &[u8]) -> Result<Tag, MatError> {
        let first = self
            .u32_at(bytes, 0)
            .ok_or_else(|| MatError::Malformed("the data end inside an element's tag: the file is truncated".into()))?;
        if first >> 16 != 0 {
            // Small data element: byte count in the upper 16 bits, at most 4 bytes of data in the tag's 2nd word.
            let size = (first >> 16) as usize;
            if size > 4 {
                return Err(MatError::Malformed(format!(
                    "a small data element says it holds {size} bytes (at most 4 fit)"
                )));
            }
            return Ok(Tag { ty: first & 0xffff, size, data_start: 4, next: 8 });
        }
        let size = self
            .u32_at(bytes, 4)
            .ok_or_else(|| MatError::Malformed("the data end inside an element's tag: the file is truncated".into()))?;
        let size = usize::try_from(size).map_err(|_| MatError::TooLarge(format!("an element of {size} bytes")))?;
        let padded = size.checked_add(7).map(|s| s & !7).and_then(|s| s.checked_add(8));
        let next = padded.ok_or_else(|| MatError::TooLarge(format!("an element of {size} bytes")))?;
        Ok(Tag { ty: first, size, data_start: 8, next })
    }

    /// The sub-element at `*at` of an array's bytes: its type and data; moves `*at` past it.
    fn element<'b>(&self, bytes: &'b [u8], at: &mut usize, what: &str) -> Result<(u32, &'b [u8]), MatError> {
        let rest = bytes.get(*at..).filter(|r| r.len() >= 8).ok_or_else(|| {
            MatError::Malformed(format!("the array ends before its {what}: the file is truncated or corrupt"))
        })?;
        let tag = self.tag(rest)?;
        let data = tag.data(rest).ok_or_else(|| {
            MatError::Malformed(format!(
                "its {what} is {} bytes long but the array ends {} bytes later: the file is truncated or corrupt",
                thousands(tag.size),
                thousands(rest.len().saturating_sub(tag.data_start))
            ))
        })?;
        *at = at.saturating_add(tag.next.min(rest.len()));
        Ok((tag.ty, data))
    }

    fn inflate(&mut self, data: &[u8]) -> Result<Vec<u8>, MatError> {
        let budget = MAX_INFLATED_BYTES.saturating_sub(self.inflated);
        let out = miniz_oxide::inflate::decompress_to_vec_zlib_with_limit(data, budget).map_err(|e| {
            if e.status == miniz_oxide::inflate::TINFLStatus::HasMoreOutput {
                MatError::TooLarge(format!(
                    "its compressed variables inflate to more than {} MB, more than ecglens reads",
                    MAX_INFLATED_BYTES / 1_000_000
                ))
            } else {
                MatError::Malformed(format!("its compressed data are corrupt or cut short (zlib: {e})"))
            }
        })?;
        self.inflated = self.inflated.saturating_add(out.len());
        Ok(out)
    }

    /// The contents of one `miMATRIX` element: the array's name and value.
    fn matrix<'b>(&mut self, bytes: &'b [u8], depth: usize) -> Result<(String, Value<'b>), MatError> {
        self.arrays += 1;
        if self.arrays > MAX_ARRAYS {
            return Err(MatError::TooLarge(format!(
                "it holds more than {} arrays (in cells and structs)",
                thousands(MAX_ARRAYS)
            )));
        }
        if depth > MAX_DEPTH {
            return Err(MatError::Malformed(format!("its cells or structs nest more than {MAX_DEPTH} deep")));
        }
        if bytes.is_empty() {
            // An empty element: MATLAB's empty array `[]`.
            let data = Data { ty: NumType::F64, big_endian: self.big_endian, bytes: Cow::Borrowed(bytes) };
            return Ok((
                String::new(),
                Value::Numeric(Numeric { class: Class::Double, dims: vec![0, 0], complex: false, data }),
            ));
        }
        let mut at = 0usize;
        let (ty, flags) = self.element(bytes, &mut at, "array flags")?;
        let word = match (ty, self.u32_at(flags, 0)) {
            (MI_UINT32, Some(w)) => w,
            _ => {
                return Err(MatError::Malformed(format!(
                    "an array starts with an element of type {ty}, not its array flags"
                )))
            }
        };
        let class_code = word & 0xff;
        let complex = word >> 11 & 1 == 1;
        let logical = word >> 9 & 1 == 1;
        let (ty, dims_bytes) = self.element(bytes, &mut at, "dimensions")?;
        if ty != MI_INT32 {
            return Err(MatError::Malformed(format!("an array's dimensions are of type {ty}, not int32")));
        }
        let dims = dims_bytes
            .chunks_exact(4)
            .map(|c| {
                let v = self.u32_at(c, 0).unwrap_or(0) as i32;
                usize::try_from(v).map_err(|_| MatError::Malformed(format!("an array has a negative dimension ({v})")))
            })
            .collect::<Result<Vec<usize>, MatError>>()?;
        let (_, name_bytes) = self.element(bytes, &mut at, "name")?;
        let name: String = String::from_utf8_lossy(name_bytes).trim_end_matches('\0').to_string();
        let named = |e: MatError| if name.is_empty() { e } else { e.context(&format!("`{name}`")) };
        let value = match class_code {
            6..=15 => self.numeric(bytes, &mut at, class_code, logical, complex, dims).map_err(named)?,
            4 => self.char_array(bytes, &mut at, dims).map_err(named)?,
            1 => {
                let count = element_count(&dims)?;
                let mut items = Vec::new();
                for _ in 0..count {
                    let (ty, data) = self.element(bytes, &mut at, "cells").map_err(named)?;
                    if ty != MI_MATRIX {
                        return Err(named(MatError::Malformed(format!(
                            "a cell holds an element of type {ty}, not an array"
                        ))));
                    }
                    items.push(self.matrix(data, depth + 1).map_err(named)?.1);
                }
                Value::Cell { dims, items }
            }
            2 => self.structure(bytes, &mut at, dims, depth).map_err(named)?,
            3 => {
                let (_, class_name) = self.element(bytes, &mut at, "class name").map_err(named)?;
                Value::Unsupported {
                    what: format!("object of class {}", String::from_utf8_lossy(class_name).trim_end_matches('\0')),
                }
            }
            5 => Value::Unsupported { what: "sparse matrix".into() },
            16 => Value::Unsupported { what: "function handle".into() },
            17 => Value::Unsupported { what: "MATLAB object (opaque class)".into() },
            other => Value::Unsupported { what: format!("array of unknown class {other}") },
        };
        Ok((name, value))
    }

    fn numeric<'b>(
        &self,
        bytes: &'b [u8],
        at: &mut usize,
        class_code: u32,
        logical: bool,
        complex: bool,
        dims: Vec<usize>,
    ) -> Result<Value<'b>, MatError> {
        let class = match class_code {
            6 => Class::Double,
            7 => Class::Single,
            8 => Class::Int8,
            9 if logical => Class::Logical,
            9 => Class::Uint8,
            10 => Class::Int16,
            11 => Class::Uint16,
            12 => Class::Int32,
            13 => Class::Uint32,
            14 => Class::Int64,
            _ => Class::Uint64,
        };
        let (ty, real) = self.element(bytes, at, "values")?;
        let ty = num_type(ty).ok_or_else(|| {
            MatError::Malformed(format!("its values are stored as type {ty}, which is not a number type"))
        })?;
        let data = Data { ty, big_endian: self.big_endian, bytes: Cow::Borrowed(real) };
        let count = element_count(&dims)?;
        if data.len() != count || real.len() % ty.size() != 0 {
            return Err(MatError::Malformed(format!(
                "its shape {} needs {} values, but {} are stored",
                super::value::shape(&dims),
                thousands(count),
                thousands(data.len())
            )));
        }
        // The imaginary part of a complex array is not kept: a complex ECG is refused when chosen.
        Ok(Value::Numeric(Numeric { class, dims, complex, data }))
    }

    fn char_array<'b>(&self, bytes: &'b [u8], at: &mut usize, dims: Vec<usize>) -> Result<Value<'b>, MatError> {
        let count = element_count(&dims)?;
        if count == 0 {
            return Ok(Value::Char { dims, chars: Vec::new() });
        }
        let (ty, raw) = self.element(bytes, at, "characters")?;
        let chars: Vec<char> = match ty {
            MI_UTF8 => String::from_utf8_lossy(raw).chars().collect(),
            MI_UTF16 | MI_UINT16 | MI_INT16 => {
                let units = raw.chunks_exact(2).map(|c| {
                    if self.big_endian {
                        u16::from_be_bytes([c[0], c[1]])
                    } else {
                        u16::from_le_bytes([c[0], c[1]])
                    }
                });
                char::decode_utf16(units).map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER)).collect()
            }
            MI_UTF32 | MI_UINT32 | MI_INT32 => raw
                .chunks_exact(4)
                .map(|c| self.u32_at(c, 0).and_then(char::from_u32).unwrap_or(char::REPLACEMENT_CHARACTER))
                .collect(),
            MI_UINT8 | MI_INT8 => raw.iter().map(|&b| char::from(b)).collect(),
            other => {
                // Characters stored as another number type: each number is a code point.
                let ty = num_type(other)
                    .ok_or_else(|| MatError::Malformed(format!("its characters are stored as type {other}")))?;
                let data = Data { ty, big_endian: self.big_endian, bytes: Cow::Borrowed(raw) };
                (0..data.len())
                    .map(|i| data.get(i).and_then(|v| char::from_u32(v as u32)).unwrap_or(char::REPLACEMENT_CHARACTER))
                    .collect()
            }
        };
        Ok(Value::Char { dims, chars })
    }

    fn structure<'b>(
        &mut self,
        bytes: &'b [u8],
        at: &mut usize,
        dims: Vec<usize>,
        depth: usize,
    ) -> Result<Value<'b>, MatError> {
        let (_, len_bytes) = self.element(bytes, at, "field name length")?;
        let name_len = self.u32_at(len_bytes, 0).unwrap_or(0) as usize;
        let (_, names) = self.element(bytes, at, "field names")?;
        let field_names: Vec<String> = if name_len == 0 {
            Vec::new()
        } else {
            names
                .chunks_exact(name_len)
                .map(|n| String::from_utf8_lossy(n).split('\0').next().unwrap_or("").to_string())
                .collect()
        };
        let count = element_count(&dims)?;
        let mut elements = Vec::new();
        if !field_names.is_empty() {
            for _ in 0..count {
                let mut values = Vec::with_capacity(field_names.len());
                for field in &field_names {
                    let (ty, data) = self.element(bytes, at, &format!("field {field}"))?;
                    if ty != MI_MATRIX {
                        return Err(MatError::Malformed(format!(
                            "field {field} holds an element of type {ty}, not an array"
                        )));
                    }
                    values.push(self.matrix(data, depth + 1).map_err(|e| e.context(&format!("field {field}")))?.1);
                }
                elements.push(values);
            }
        }
        Ok(Value::Struct { dims, field_names, elements })
    }
}

fn num_type(ty: u32) -> Option<NumType> {
    Some(match ty {
        MI_INT8 => NumType::I8,
        MI_UINT8 => NumType::U8,
        MI_INT16 => NumType::I16,
        MI_UINT16 => NumType::U16,
        MI_INT32 => NumType::I32,
        MI_UINT32 => NumType::U32,
        MI_SINGLE => NumType::F32,
        MI_DOUBLE => NumType::F64,
        MI_INT64 => NumType::I64,
        MI_UINT64 => NumType::U64,
        _ => return None,
    })
}

/// Writes level 5 files for the unit tests (little- or big-endian), as MATLAB lays them out.
#[cfg(test)]
pub mod write {
    pub struct Writer {
        pub big_endian: bool,
    }

    impl Writer {
        pub fn u32(&self, v: u32) -> [u8; 4] {
            if self.big_endian {
                v.to_be_bytes()
            } else {
                v.to_le_bytes()
            }
        }

        pub fn header(&self) -> Vec<u8> {
            let mut h = b"MATLAB 5.0 MAT-file, Platform: test, Created on: today".to_vec();
            h.resize(124, b' ');
            h.extend(if self.big_endian { 0x0100u16.to_be_bytes() } else { 0x0100u16.to_le_bytes() });
            h.extend(if self.big_endian { b"MI" } else { b"IM" });
            h
        }

        /// An element (small format when `data` has at most 4 bytes and `small`), padded to 8 bytes.
        pub fn element(&self, ty: u32, data: &[u8], small: bool) -> Vec<u8> {
            let mut out = Vec::new();
            if small && data.len() <= 4 {
                out.extend(self.u32(ty | (data.len() as u32) << 16));
                out.extend(data);
                out.resize(8, 0);
                return out;
            }
            out.extend(self.u32(ty));
            out.extend(self.u32(data.len() as u32));
            out.extend(data);
            while out.len() % 8 != 0 {
                out.push(0);
            }
            out
        }

        /// A `miMATRIX` element of `class` (array flags `flags` << 8 added), `dims`, `name`, then `parts`.
        pub fn matrix(&self, class: u32, flags: u32, dims: &[i32], name: &str, parts: &[Vec<u8>]) -> Vec<u8> {
            let mut body = self.element(super::MI_UINT32, &[self.u32(class | flags << 8), [0; 4]].concat(), false);
            let d: Vec<u8> = dims.iter().flat_map(|&v| self.u32(v as u32)).collect();
            body.extend(self.element(super::MI_INT32, &d, false));
            body.extend(self.element(super::MI_INT8, name.as_bytes(), true));
            for p in parts {
                body.extend(p);
            }
            self.element(super::MI_MATRIX, &body, false)
        }

        pub fn doubles(&self, values: &[f64]) -> Vec<u8> {
            let b: Vec<u8> =
                values.iter().flat_map(|v| if self.big_endian { v.to_be_bytes() } else { v.to_le_bytes() }).collect();
            self.element(super::MI_DOUBLE, &b, true)
        }

        pub fn int16s(&self, values: &[i16]) -> Vec<u8> {
            let b: Vec<u8> =
                values.iter().flat_map(|v| if self.big_endian { v.to_be_bytes() } else { v.to_le_bytes() }).collect();
            self.element(super::MI_INT16, &b, true)
        }

        /// A char array (a row) stored as UTF-8.
        pub fn text(&self, name: &str, text: &str) -> Vec<u8> {
            self.matrix(
                4,
                0,
                &[1, text.chars().count() as i32],
                name,
                &[self.element(super::MI_UTF8, text.as_bytes(), true)],
            )
        }

        pub fn scalar(&self, name: &str, value: f64) -> Vec<u8> {
            self.matrix(6, 0, &[1, 1], name, &[self.doubles(&[value])])
        }

        /// A 1 × 1 struct of `fields` (name, its `miMATRIX` element with an empty name).
        pub fn structure(&self, name: &str, fields: &[(&str, Vec<u8>)]) -> Vec<u8> {
            let len = fields.iter().map(|(n, _)| n.len() + 1).max().unwrap_or(1) as u32;
            let mut names = Vec::new();
            for (n, _) in fields {
                let mut b = n.as_bytes().to_vec();
                b.resize(len as usize, 0);
                names.extend(b);
            }
            let mut parts =
                vec![self.element(super::MI_INT32, &self.u32(len), true), self.element(super::MI_INT8, &names, false)];
            parts.extend(fields.iter().map(|(_, v)| v.clone()));
            self.matrix(2, 0, &[1, 1], name, &parts)
        }

        /// A zlib-compressed element holding `element`.
        pub fn compressed(&self, element: &[u8]) -> Vec<u8> {
            let z = miniz_oxide::deflate::compress_to_vec_zlib(element, 6);
            let mut out = Vec::new();
            out.extend(self.u32(super::MI_COMPRESSED));
            out.extend(self.u32(z.len() as u32));
            out.extend(z);
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::write::Writer;
    use super::*;

    fn file(w: &Writer, vars: &[Vec<u8>]) -> Vec<u8> {
        let mut f = w.header();
        for v in vars {
            f.extend(v);
        }
        f
    }

    #[test]
    fn reads_numeric_char_struct_cell_in_both_byte_orders() {
        for big_endian in [false, true] {
            let w = Writer { big_endian };
            let data = w.matrix(6, 0, &[2, 3], "data", &[w.int16s(&[1, 2, 3, 4, 5, 6])]);
            let cell_items = [w.text("", "I"), w.text("", "aVR")].concat();
            let cell = w.matrix(1, 0, &[1, 2], "leads", &[cell_items]);
            let st = w.structure("ECG", &[("sex", w.text("", "Female")), ("age", w.scalar("", 63.0))]);
            let f = file(&w, &[data, w.compressed(&cell), st]);
            let parsed = parse(&f).unwrap();
            assert_eq!((parsed.big_endian, parsed.compressed), (big_endian, true));
            assert!(parsed.text.starts_with("MATLAB 5.0 MAT-file"), "{}", parsed.text);
            let names: Vec<&str> = parsed.variables.iter().map(|v| v.name.as_str()).collect();
            assert_eq!(names, ["data", "leads", "ECG"]);
            let Value::Numeric(n) = &parsed.variables[0].value else { panic!() };
            assert_eq!((n.class, n.dims.clone(), n.data.get(5)), (Class::Double, vec![2, 3], Some(6.0)));
            let Value::Cell { items, .. } = &parsed.variables[1].value else { panic!() };
            let texts: Vec<String> = items.iter().map(|i| i.text_rows().unwrap().join("")).collect();
            assert_eq!(texts, ["I", "aVR"]);
            let fields = parsed.variables[2].value.struct_fields().unwrap();
            assert_eq!(fields[0].0, "sex");
            assert_eq!(fields[0].1.text_rows().unwrap(), ["Female"]);
            assert_eq!(fields[1].1.as_scalar(), Some(63.0));
        }
    }

    #[test]
    fn complex_sparse_and_objects_are_kept_for_messages() {
        let w = Writer { big_endian: false };
        let z = w.matrix(6, 0x08, &[1, 2], "z", &[w.doubles(&[1.0, 2.0]), w.doubles(&[0.5, 0.5])]);
        let sparse = w.matrix(5, 0, &[3, 3], "s", &[]);
        let f = file(&w, &[z, sparse]);
        let parsed = parse(&f).unwrap();
        assert_eq!(parsed.variables[0].value.describe(), "1 × 2 double (complex)");
        assert_eq!(parsed.variables[1].value.describe(), "sparse matrix");
    }

    #[test]
    fn refuses_truncation_shape_mismatch_and_version_73() {
        let w = Writer { big_endian: false };
        let f = file(&w, &[w.matrix(6, 0, &[2, 3], "data", &[w.doubles(&[1.0; 6])])]);
        let e = parse(&f[..f.len() - 9]).unwrap_err().message().to_string();
        assert!(e.contains("variable 1 (at byte 128)") && e.contains("truncated"), "{e}");
        let e = parse(&f[..100]).unwrap_err().message().to_string();
        assert!(e.contains("shorter than the 128-byte MATLAB 5 header"), "{e}");
        let bad = file(&w, &[w.matrix(6, 0, &[2, 4], "data", &[w.doubles(&[1.0; 6])])]);
        let e = parse(&bad).unwrap_err().message().to_string();
        assert!(e.contains("`data`: its shape 2 × 4 needs 8 values, but 6 are stored"), "{e}");
        let mut v73 = f.clone();
        v73[124] = 0;
        v73[125] = 2;
        assert!(parse(&v73).unwrap_err().message().contains("version 0x0200"));
    }

    #[test]
    fn a_compression_bomb_stops_at_the_budget() {
        let w = Writer { big_endian: false };
        let mut p = Parser { big_endian: false, arrays: 0, inflated: MAX_INFLATED_BYTES - 10, compressed: false };
        let z = miniz_oxide::deflate::compress_to_vec_zlib(&[0u8; 1000], 6);
        assert!(matches!(p.inflate(&z), Err(MatError::TooLarge(_))));
        let mut corrupt = w.compressed(&w.scalar("fs", 500.0));
        let n = corrupt.len();
        corrupt[n - 3] ^= 0xff;
        corrupt.truncate(n - 2);
        assert!(parse(&file(&w, &[corrupt])).is_err());
    }

    #[test]
    fn deep_nesting_is_refused_not_a_stack_overflow() {
        let w = Writer { big_endian: false };
        let mut v = w.scalar("", 1.0);
        for _ in 0..40 {
            v = w.matrix(1, 0, &[1, 1], "", &[v]);
        }
        let e = parse(&file(&w, &[v])).unwrap_err().message().to_string();
        assert!(e.contains("nest more than 32 deep"), "{e}");
    }
}
