//! The HDF5 file structure, read through a [`ByteSource`]: only the metadata, and of a dataset only the rows asked
//! for. What ecglens needs of the HDF5 File Format Specification (version 3.0, The HDF Group): the superblock
//! (versions 0–3, after a user block), object headers (versions 1 and 2, with continuation blocks), groups
//! (symbol tables: a version-1 B-tree over symbol-table nodes and a local heap; and compact link messages),
//! dataspaces, datatypes (IEEE floats and fixed-point integers of either byte order, fixed-length strings), data
//! layouts (compact, contiguous, chunked with a version-1 B-tree index or a single chunk) with the deflate,
//! shuffle and Fletcher-32 filters, and attributes. Checksums of version-2 structures are not verified.
//!
//! Every size and address comes from the file and is checked before use: reads go through [`H5::read`], which
//! caps their length and their number, so a hostile file can neither allocate gigabytes nor loop for ever.

use std::cell::Cell;

use super::super::options::ByteSource;
use super::super::{limits, thousands, SignalError};

/// At most this many bytes in one metadata read (an object header, a B-tree node, a local heap).
const MAX_METADATA_BYTES: usize = 16 * 1024 * 1024;
/// At most this many reads for one record: a B-tree that points in circles ends here.
const MAX_READS: usize = 100_000;
/// At most this many bytes decompressed for one record (a chunk index that points at one zip bomb many times).
const MAX_INFLATED_BYTES: usize = 1024 * 1024 * 1024;
/// At most this many messages and continuation blocks in one object header.
const MAX_MESSAGES: usize = 4096;
const MAX_CONTINUATIONS: usize = 256;
/// At most this deep a B-tree.
const MAX_BTREE_DEPTH: u8 = 32;
/// At most this many objects in a group.
const MAX_LINKS: usize = 100_000;

/// The undefined address (all bits set), after [`Cursor::address`] widens it.
pub(crate) const UNDEFINED: u64 = u64::MAX;

/// An open HDF5 file: where its superblock is and how wide its addresses and lengths are.
pub(crate) struct H5<'a> {
    file: &'a str,
    source: &'a dyn ByteSource,
    /// Where address 0 is in the file (the superblock's base address: 512 after MATLAB's user block).
    base: u64,
    offset_size: usize,
    length_size: usize,
    pub superblock_version: u8,
    pub root: u64,
    reads: Cell<usize>,
    inflated: Cell<usize>,
}

/// One message of an object header.
struct Message {
    kind: u16,
    flags: u8,
    data: Vec<u8>,
}

/// The element type of a dataset or an attribute.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Datatype {
    Float {
        size: usize,
        big_endian: bool,
    },
    Integer {
        size: usize,
        signed: bool,
        big_endian: bool,
    },
    /// Fixed-length text.
    Text {
        size: usize,
    },
    /// Anything else (compound, variable-length, reference...): the HDF5 class number.
    Other {
        class: u8,
        size: usize,
    },
}

impl Datatype {
    pub fn size(self) -> usize {
        match self {
            Datatype::Float { size, .. } | Datatype::Integer { size, .. } | Datatype::Text { size } => size,
            Datatype::Other { size, .. } => size,
        }
    }

    pub fn is_numeric(self) -> bool {
        matches!(self, Datatype::Float { .. } | Datatype::Integer { .. })
    }

    /// "float32", "int16 big-endian", "text", for messages.
    pub fn describe(self) -> String {
        let order = |be: bool| if be { " big-endian" } else { "" };
        match self {
            Datatype::Float { size, big_endian } => format!("float{}{}", size * 8, order(big_endian)),
            Datatype::Integer { size, signed, big_endian } => {
                format!("{}int{}{}", if signed { "" } else { "u" }, size * 8, order(big_endian))
            }
            Datatype::Text { .. } => "text".into(),
            Datatype::Other { class, .. } => format!("HDF5 type class {class}"),
        }
    }

    /// The numbers in `bytes` (whole elements; a partial one at the end is ignored).
    pub fn decode(self, bytes: &[u8], out: &mut Vec<f64>) {
        let size = self.size();
        if size == 0 {
            return;
        }
        for e in bytes.chunks_exact(size) {
            let mut b = [0u8; 8];
            let v = match self {
                Datatype::Float { size: 4, big_endian } => {
                    let a = [e[0], e[1], e[2], e[3]];
                    f64::from(if big_endian { f32::from_be_bytes(a) } else { f32::from_le_bytes(a) })
                }
                Datatype::Float { size: 8, big_endian } => {
                    b.copy_from_slice(e);
                    if big_endian {
                        f64::from_be_bytes(b)
                    } else {
                        f64::from_le_bytes(b)
                    }
                }
                Datatype::Integer { size, signed, big_endian } if size <= 8 => {
                    // Little-endian into the low bytes, then sign-extend.
                    for (k, byte) in b.iter_mut().take(size).enumerate() {
                        *byte = if big_endian { e[size - 1 - k] } else { e[k] };
                    }
                    let raw = u64::from_le_bytes(b);
                    if signed && size < 8 && raw >> (size * 8 - 1) & 1 == 1 {
                        (raw | (u64::MAX << (size * 8))) as i64 as f64
                    } else if signed {
                        raw as i64 as f64
                    } else {
                        raw as f64
                    }
                }
                _ => f64::NAN,
            };
            out.push(v);
        }
    }
}

/// Where a dataset's elements are.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Layout {
    Compact(Vec<u8>),
    Contiguous {
        address: u64,
        size: u64,
    },
    /// Chunks of `chunk` elements (per dimension) indexed by a version-1 B-tree at `btree`.
    Chunked {
        btree: u64,
        chunk: Vec<u64>,
    },
    /// One chunk holding the whole dataset (layout version 4).
    SingleChunk {
        address: u64,
        size: u64,
        filter_mask: u32,
    },
    /// A layout ecglens does not read, described for the message.
    Unsupported(String),
}

/// One filter of a dataset's pipeline.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Filter {
    pub id: u16,
    pub name: String,
}

/// An attribute: its type, shape and raw value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Attribute {
    pub name: String,
    pub datatype: Datatype,
    pub shape: Vec<u64>,
    pub data: Vec<u8>,
}

impl Attribute {
    /// The first number of a numeric attribute.
    pub fn number(&self) -> Option<f64> {
        if !self.datatype.is_numeric() {
            return None;
        }
        let mut v = Vec::new();
        self.datatype.decode(self.data.get(..self.datatype.size())?, &mut v);
        v.first().copied().filter(|x| x.is_finite())
    }

    /// A fixed-length text attribute, without its NUL or space padding.
    pub fn text(&self) -> Option<String> {
        if !matches!(self.datatype, Datatype::Text { .. }) {
            return None;
        }
        let s = String::from_utf8_lossy(&self.data);
        Some(s.trim_matches(|c: char| c == '\0' || c.is_whitespace()).to_string())
    }
}

/// What an object header says: a dataset's shape, type, layout, filters and attributes; a group's links.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct Object {
    /// `None` for an object without a dataspace (a group). An empty shape is a scalar.
    pub shape: Option<Vec<u64>>,
    pub datatype: Option<Datatype>,
    pub layout: Option<Layout>,
    pub filters: Vec<Filter>,
    pub attributes: Vec<Attribute>,
    /// A symbol table: (B-tree, local heap) addresses.
    pub symbol_table: Option<(u64, u64)>,
    /// Links stored in the header (compact storage), name and object address.
    pub links: Vec<(String, u64)>,
    /// The group keeps its links in a fractal heap (dense storage), which ecglens does not read.
    pub dense_links: bool,
}

impl Object {
    pub fn attribute(&self, names: &[&str]) -> Option<&Attribute> {
        self.attributes.iter().find(|a| names.iter().any(|n| a.name.eq_ignore_ascii_case(n)))
    }
}

/// A cursor over bytes read from the file; each read says what was cut short.
struct Cursor<'b> {
    bytes: &'b [u8],
    at: usize,
    offset_size: usize,
    length_size: usize,
}

impl<'b> Cursor<'b> {
    fn new(h5: &H5, bytes: &'b [u8]) -> Self {
        Cursor { bytes, at: 0, offset_size: h5.offset_size, length_size: h5.length_size }
    }

    fn take(&mut self, n: usize) -> Option<&'b [u8]> {
        let end = self.at.checked_add(n)?;
        let s = self.bytes.get(self.at..end)?;
        self.at = end;
        Some(s)
    }

    fn skip(&mut self, n: usize) -> Option<()> {
        self.take(n).map(|_| ())
    }

    fn u8(&mut self) -> Option<u8> {
        self.take(1).map(|b| b[0])
    }

    fn u16(&mut self) -> Option<u16> {
        self.take(2).map(|b| u16::from_le_bytes([b[0], b[1]]))
    }

    fn u32(&mut self) -> Option<u32> {
        self.take(4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// An unsigned little-endian integer of `n` (1..=8) bytes.
    fn uint(&mut self, n: usize) -> Option<u64> {
        let b = self.take(n)?;
        if n > 8 {
            return None;
        }
        Some(b.iter().rev().fold(0u64, |acc, &x| (acc << 8) | u64::from(x)))
    }

    /// An address; the undefined address (all ones) becomes [`UNDEFINED`].
    fn address(&mut self) -> Option<u64> {
        let n = self.offset_size;
        let v = self.uint(n)?;
        let all_ones = if n >= 8 { u64::MAX } else { (1u64 << (n * 8)) - 1 };
        Some(if v == all_ones { UNDEFINED } else { v })
    }

    fn length(&mut self) -> Option<u64> {
        let n = self.length_size;
        self.uint(n)
    }

    fn remaining(&self) -> usize {
        self.bytes.len().saturating_sub(self.at)
    }
}

/// Rounds `n` up to a multiple of 8.
fn pad8(n: usize) -> Option<usize> {
    n.checked_add(7).map(|v| v / 8 * 8)
}

impl<'a> H5<'a> {
    pub fn malformed(&self, message: impl Into<String>) -> SignalError {
        SignalError::Malformed { file: self.file.to_string(), format: "HDF5", message: message.into() }
    }

    fn unsupported(&self, message: impl Into<String>) -> SignalError {
        SignalError::Unsupported { file: self.file.to_string(), message: message.into() }
    }

    /// Finds the superblock (at byte 0 or after a user block of 512, 1024, 2048... bytes) and reads it.
    pub fn open(file: &'a str, source: &'a dyn ByteSource) -> Result<H5<'a>, SignalError> {
        let len = source.len();
        let mut at = 0u64;
        let found = loop {
            if at.checked_add(8).is_none_or(|end| end > len) {
                break None;
            }
            if source.read_at(at, 8)?.as_slice() == super::super::sniff::HDF5_SIGNATURE {
                break Some(at);
            }
            at = if at == 0 { 512 } else { at.saturating_mul(2) };
        };
        let malformed = |m: String| SignalError::Malformed { file: file.to_string(), format: "HDF5", message: m };
        let Some(at) = found else {
            return Err(malformed(
                "no HDF5 signature (\\x89HDF) at byte 0 or after a user block: not an HDF5 file".into(),
            ));
        };
        let head_len = usize::try_from((len - at).min(128)).unwrap_or(128);
        let head = source.read_at(at, head_len)?;
        let cut = || malformed(format!("the superblock at byte {at} is cut short: the file is truncated"));
        let version = *head.get(8).ok_or_else(cut)?;
        let (offset_size, length_size, fixed) = match version {
            0 | 1 => (head.get(13), head.get(14), if version == 0 { 24 } else { 28 }),
            2 | 3 => (head.get(9), head.get(10), 12),
            v => return Err(malformed(format!("superblock version {v} is not one HDF5 defines (0 to 3)"))),
        };
        let offset_size = usize::from(*offset_size.ok_or_else(cut)?);
        let length_size = usize::from(*length_size.ok_or_else(cut)?);
        if ![2, 4, 8].contains(&offset_size) || ![2, 4, 8].contains(&length_size) {
            return Err(malformed(format!(
                "the superblock gives {offset_size}-byte addresses and {length_size}-byte lengths; HDF5 uses 2, 4 or 8"
            )));
        }
        let mut h5 = H5 {
            file,
            source,
            base: at,
            offset_size,
            length_size,
            superblock_version: version,
            root: 0,
            reads: Cell::new(0),
            inflated: Cell::new(0),
        };
        let mut c = Cursor::new(&h5, &head);
        c.skip(fixed).ok_or_else(cut)?;
        let base = c.address().ok_or_else(cut)?;
        let root = if version <= 1 {
            c.skip(3 * offset_size).ok_or_else(cut)?; // free space, end of file, driver information
            c.skip(offset_size).ok_or_else(cut)?; // the root's link name offset
            c.address().ok_or_else(cut)?
        } else {
            c.skip(2 * offset_size).ok_or_else(cut)?; // superblock extension, end of file
            c.address().ok_or_else(cut)?
        };
        // Addresses count from the base address; a file written with a user block states it (512 for MATLAB's).
        if base != 0 && base != UNDEFINED {
            h5.base = base;
        }
        if root == UNDEFINED {
            return Err(h5.malformed("the superblock has no root group"));
        }
        h5.root = root;
        Ok(h5)
    }

    /// `len` bytes at address `address`.
    pub fn read(&self, address: u64, len: usize, what: &str) -> Result<Vec<u8>, SignalError> {
        let n = self.reads.get() + 1;
        self.reads.set(n);
        if n > MAX_READS {
            return Err(self.malformed(format!(
                "more than {} reads for one record: its structures point in circles",
                thousands(MAX_READS)
            )));
        }
        let start = self.base.checked_add(address).filter(|_| address != UNDEFINED);
        let end = start.and_then(|s| s.checked_add(len as u64));
        match (start, end) {
            (Some(s), Some(e)) if e <= self.source.len() => self.source.read_at(s, len),
            _ => Err(self.malformed(format!(
                "{what} at address {address} ({} bytes) lies past the end of the file ({} bytes): the file is truncated",
                thousands(len),
                self.source.len()
            ))),
        }
    }

    /// Up to `len` bytes at `address`, fewer where the file ends first.
    fn read_up_to(&self, address: u64, len: usize, what: &str) -> Result<Vec<u8>, SignalError> {
        let start = self.base.saturating_add(address);
        let available = self.source.len().saturating_sub(start);
        let n = usize::try_from(available).map_or(len, |a| a.min(len));
        self.read(address, n, what)
    }

    /// The messages of the object header at `address` (versions 1 and 2, following continuation blocks).
    fn messages(&self, address: u64) -> Result<Vec<Message>, SignalError> {
        let cut = || self.malformed(format!("the object header at address {address} is cut short or corrupt"));
        let prefix = self.read_up_to(address, 16, "an object header")?;
        let mut out = Vec::new();
        let mut blocks: Vec<(u64, u64)> = Vec::new();
        let v2 = prefix.starts_with(b"OHDR");
        let mut header_flags = 0u8;
        let mut expected = usize::MAX;
        if v2 {
            let mut c = Cursor::new(self, &prefix);
            c.skip(4).ok_or_else(cut)?;
            if c.u8() != Some(2) {
                return Err(self.malformed(format!("the object header at address {address} has an unknown version")));
            }
            header_flags = c.u8().ok_or_else(cut)?;
            let mut start = 6usize;
            if header_flags & 0x20 != 0 {
                start += 16;
            }
            if header_flags & 0x10 != 0 {
                start += 4;
            }
            let width = 1usize << (header_flags & 3);
            let more = self.read_up_to(address, start + width, "an object header")?;
            let mut c = Cursor::new(self, &more);
            c.skip(start).ok_or_else(cut)?;
            let size = c.uint(width).ok_or_else(cut)?;
            let begin = address.checked_add((start + width) as u64).ok_or_else(cut)?;
            blocks.push((begin, size));
        } else {
            let mut c = Cursor::new(self, &prefix);
            if c.u8() != Some(1) {
                return Err(self.malformed(format!(
                    "no object header at address {address} (neither version 1 nor \"OHDR\"): the file is corrupt"
                )));
            }
            c.skip(1).ok_or_else(cut)?;
            expected = usize::from(c.u16().ok_or_else(cut)?);
            c.skip(4).ok_or_else(cut)?;
            let size = u64::from(c.u32().ok_or_else(cut)?);
            blocks.push((address.checked_add(16).ok_or_else(cut)?, size));
        }
        let mut k = 0;
        while let Some(&(begin, size)) = blocks.get(k) {
            k += 1;
            if k > MAX_CONTINUATIONS {
                return Err(
                    self.malformed(format!("the object header at address {address} has too many continuation blocks"))
                );
            }
            let size = usize::try_from(size).ok().filter(|&s| s <= MAX_METADATA_BYTES).ok_or_else(cut)?;
            let block = self.read(begin, size, "an object header block")?;
            let mut c = Cursor::new(self, &block);
            if v2 && k > 1 && c.take(4) != Some(b"OCHK") {
                return Err(
                    self.malformed(format!("a continuation of the object header at address {address} is missing"))
                );
            }
            let end = if v2 { block.len().saturating_sub(4) } else { block.len() }; // v2: a checksum ends each block
            let header_len = if v2 { 4 + if header_flags & 0x04 != 0 { 2 } else { 0 } } else { 8 };
            while c.at + header_len <= end && out.len() < expected {
                let (kind, size, flags) = if v2 {
                    let kind = u16::from(c.u8().ok_or_else(cut)?);
                    let size = c.u16().ok_or_else(cut)?;
                    let flags = c.u8().ok_or_else(cut)?;
                    if header_flags & 0x04 != 0 {
                        c.skip(2).ok_or_else(cut)?;
                    }
                    (kind, size, flags)
                } else {
                    let kind = c.u16().ok_or_else(cut)?;
                    let size = c.u16().ok_or_else(cut)?;
                    let flags = c.u8().ok_or_else(cut)?;
                    c.skip(3).ok_or_else(cut)?;
                    (kind, size, flags)
                };
                let data = c.take(usize::from(size)).ok_or_else(cut)?.to_vec();
                if kind == 0x10 {
                    let mut d = Cursor::new(self, &data);
                    let at = d.address().ok_or_else(cut)?;
                    let len = d.length().ok_or_else(cut)?;
                    blocks.push((at, len));
                }
                out.push(Message { kind, flags, data });
                if out.len() > MAX_MESSAGES {
                    return Err(self.malformed(format!("the object header at address {address} has too many messages")));
                }
            }
        }
        Ok(out)
    }

    /// The object header at `address`, parsed for what ecglens uses.
    pub fn object(&self, address: u64) -> Result<Object, SignalError> {
        let mut object = Object::default();
        for m in self.messages(address)? {
            let shared = m.flags & 0x02 != 0;
            let cut = |what: &str| {
                self.malformed(format!("the {what} message of the object at address {address} is cut short"))
            };
            match m.kind {
                0x0001 if !shared => object.shape = Some(self.dataspace(&m.data).ok_or_else(|| cut("dataspace"))?),
                0x0003 if !shared => object.datatype = Some(self.datatype(&m.data).ok_or_else(|| cut("datatype"))?),
                0x0003 => object.datatype = Some(Datatype::Other { class: 255, size: 0 }),
                0x0008 => object.layout = Some(self.layout(&m.data).ok_or_else(|| cut("data layout"))?),
                0x000B => object.filters = self.filters(&m.data).ok_or_else(|| cut("filter pipeline"))?,
                0x000C if !shared => {
                    if let Some(a) = self.attribute(&m.data) {
                        object.attributes.push(a);
                    }
                }
                0x0011 => {
                    let mut c = Cursor::new(self, &m.data);
                    let btree = c.address().ok_or_else(|| cut("symbol table"))?;
                    let heap = c.address().ok_or_else(|| cut("symbol table"))?;
                    object.symbol_table = Some((btree, heap));
                }
                0x0006 => {
                    if let Some(link) = self.link(&m.data) {
                        object.links.push(link);
                    }
                }
                0x0002 => {
                    let mut c = Cursor::new(self, &m.data);
                    let flags = c.skip(1).and_then(|_| c.u8()).ok_or_else(|| cut("link info"))?;
                    if flags & 1 != 0 {
                        c.skip(8).ok_or_else(|| cut("link info"))?;
                    }
                    let heap = c.address().ok_or_else(|| cut("link info"))?;
                    object.dense_links = heap != UNDEFINED;
                }
                _ => {}
            }
        }
        Ok(object)
    }

    fn dataspace(&self, data: &[u8]) -> Option<Vec<u64>> {
        let mut c = Cursor::new(self, data);
        let version = c.u8()?;
        let rank = usize::from(c.u8()?);
        let _flags = c.u8()?;
        match version {
            1 => c.skip(5)?,
            2 => {
                if c.u8()? == 2 {
                    return Some(vec![0]); // the null dataspace: no elements
                }
            }
            _ => return None,
        }
        if rank > 32 {
            return None;
        }
        (0..rank).map(|_| c.length()).collect()
    }

    fn datatype(&self, data: &[u8]) -> Option<Datatype> {
        let mut c = Cursor::new(self, data);
        let class_version = c.u8()?;
        let bits = c.u8()?;
        c.skip(2)?;
        let size = usize::try_from(c.u32()?).ok()?;
        let class = class_version & 0x0F;
        Some(match class {
            0 if (1..=8).contains(&size) => {
                Datatype::Integer { size, signed: bits & 0x08 != 0, big_endian: bits & 1 != 0 }
            }
            1 if (size == 4 || size == 8) && bits & 0x40 == 0 => Datatype::Float { size, big_endian: bits & 1 != 0 },
            3 => Datatype::Text { size },
            _ => Datatype::Other { class, size },
        })
    }

    fn layout(&self, data: &[u8]) -> Option<Layout> {
        let mut c = Cursor::new(self, data);
        let version = c.u8()?;
        if !(3..=4).contains(&version) {
            return Some(Layout::Unsupported(format!("data layout version {version} (HDF5 before 1.6)")));
        }
        let class = c.u8()?;
        Some(match (class, version) {
            (0, _) => {
                let size = usize::from(c.u16()?);
                Layout::Compact(c.take(size)?.to_vec())
            }
            (1, _) => Layout::Contiguous { address: c.address()?, size: c.length()? },
            (2, 3) => {
                let dims = usize::from(c.u8()?);
                let btree = c.address()?;
                let chunk: Vec<u64> = (0..dims).map(|_| c.u32().map(u64::from)).collect::<Option<_>>()?;
                Layout::Chunked { btree, chunk }
            }
            (2, _) => {
                let flags = c.u8()?;
                let dims = usize::from(c.u8()?);
                let width = usize::from(c.u8()?);
                let _chunk: Vec<u64> = (0..dims).map(|_| c.uint(width)).collect::<Option<_>>()?;
                match c.u8()? {
                    1 => {
                        let (size, filter_mask) =
                            if flags & 2 != 0 { (Some(c.length()?), c.u32()?) } else { (None, 0) };
                        let address = c.address()?;
                        Layout::SingleChunk { address, size: size.unwrap_or(u64::MAX), filter_mask }
                    }
                    2 => Layout::Unsupported("chunks with an implicit index".into()),
                    3 => Layout::Unsupported("chunks indexed by a fixed array (HDF5 1.10's \"latest\" format)".into()),
                    4 => Layout::Unsupported(
                        "chunks indexed by an extensible array (HDF5 1.10's \"latest\" format)".into(),
                    ),
                    5 => Layout::Unsupported(
                        "chunks indexed by a version-2 B-tree (HDF5 1.10's \"latest\" format)".into(),
                    ),
                    t => Layout::Unsupported(format!("chunk index type {t}")),
                }
            }
            (3, _) => Layout::Unsupported("virtual datasets (data in other files)".into()),
            (k, _) => Layout::Unsupported(format!("layout class {k}")),
        })
    }

    fn filters(&self, data: &[u8]) -> Option<Vec<Filter>> {
        let mut c = Cursor::new(self, data);
        let version = c.u8()?;
        let n = c.u8()?;
        if version == 1 {
            c.skip(6)?;
        }
        let mut out = Vec::new();
        for _ in 0..n {
            let id = c.u16()?;
            let name_len = if version == 1 || id >= 256 { usize::from(c.u16()?) } else { 0 };
            let _flags = c.u16()?;
            let values = usize::from(c.u16()?);
            let name_bytes = if version == 1 { c.take(pad8(name_len)?)? } else { c.take(name_len)? };
            let name = String::from_utf8_lossy(name_bytes).trim_end_matches('\0').to_string();
            c.skip(values.checked_mul(4)?)?;
            if version == 1 && values % 2 == 1 {
                c.skip(4)?;
            }
            out.push(Filter { id, name });
        }
        Some(out)
    }

    fn attribute(&self, data: &[u8]) -> Option<Attribute> {
        let mut c = Cursor::new(self, data);
        let version = c.u8()?;
        c.skip(1)?;
        let name_size = usize::from(c.u16()?);
        let type_size = usize::from(c.u16()?);
        let space_size = usize::from(c.u16()?);
        if version == 3 {
            c.skip(1)?;
        }
        let padded = |n: usize| if version == 1 { pad8(n) } else { Some(n) };
        let name = c.take(padded(name_size)?)?;
        let name = String::from_utf8_lossy(name.get(..name_size)?).trim_end_matches('\0').to_string();
        let datatype = self.datatype(c.take(padded(type_size)?)?)?;
        let shape = self.dataspace(c.take(padded(space_size)?)?)?;
        let n = shape.iter().try_fold(1u64, |a, &d| a.checked_mul(d))?;
        let len = usize::try_from(n).ok()?.checked_mul(datatype.size())?;
        let data = c.take(len.min(c.remaining()).min(65_536))?.to_vec();
        Some(Attribute { name, datatype, shape, data })
    }

    fn link(&self, data: &[u8]) -> Option<(String, u64)> {
        let mut c = Cursor::new(self, data);
        if c.u8()? != 1 {
            return None;
        }
        let flags = c.u8()?;
        let kind = if flags & 0x08 != 0 { c.u8()? } else { 0 };
        if flags & 0x04 != 0 {
            c.skip(8)?;
        }
        if flags & 0x10 != 0 {
            c.skip(1)?;
        }
        let name_len = usize::try_from(c.uint(1 << (flags & 3))?).ok()?;
        let name = String::from_utf8_lossy(c.take(name_len)?).to_string();
        (kind == 0).then_some(())?; // soft and external links lead out of the file's objects: skipped
        Some((name, c.address()?))
    }

    /// The objects a group links to: (name, object header address), in the file's order.
    pub fn children(&self, group: &Object) -> Result<Vec<(String, u64)>, SignalError> {
        if group.dense_links {
            return Err(self.unsupported(
                "its root group keeps its links in a fractal heap (\"dense\" storage of a group with many members), which ecglens does not read",
            ));
        }
        let mut out = group.links.clone();
        let Some((btree, heap_address)) = group.symbol_table else { return Ok(out) };
        let cut = || self.malformed(format!("the local heap at address {heap_address} is cut short or corrupt"));
        let heap_head = self.read(heap_address, 8 + 2 * self.length_size + self.offset_size, "a local heap")?;
        let mut c = Cursor::new(self, &heap_head);
        if c.take(4) != Some(b"HEAP") {
            return Err(
                self.malformed(format!("no local heap (\"HEAP\") at address {heap_address}: the file is corrupt"))
            );
        }
        c.skip(4).ok_or_else(cut)?;
        let size = c.length().ok_or_else(cut)?;
        c.length().ok_or_else(cut)?;
        let segment = c.address().ok_or_else(cut)?;
        let size = usize::try_from(size).ok().filter(|&s| s <= MAX_METADATA_BYTES).ok_or_else(cut)?;
        let names = self.read(segment, size, "a local heap's names")?;
        let entry = 2 * self.offset_size + 24;
        let mut stack = vec![(btree, MAX_BTREE_DEPTH)];
        while let Some((node, depth_left)) = stack.pop() {
            let head = self.read(node, 8 + 2 * self.offset_size, "a group B-tree node")?;
            let node_cut = || self.malformed(format!("the B-tree node at address {node} is cut short or corrupt"));
            let mut c = Cursor::new(self, &head);
            if c.take(4) != Some(b"TREE") {
                // A leaf of a symbol table: "SNOD".
                if head.starts_with(b"SNOD") {
                    let count_bytes = self.read(node, 8, "a symbol table node")?;
                    let n = usize::from(u16::from_le_bytes([count_bytes[6], count_bytes[7]]));
                    let body = self.read(
                        node.checked_add(8).ok_or_else(node_cut)?,
                        n.checked_mul(entry).ok_or_else(node_cut)?,
                        "a symbol table node",
                    )?;
                    let mut e = Cursor::new(self, &body);
                    for _ in 0..n {
                        let offset = e.uint(self.offset_size).ok_or_else(node_cut)?;
                        let address = e.address().ok_or_else(node_cut)?;
                        e.skip(24).ok_or_else(node_cut)?;
                        let start = usize::try_from(offset).ok().filter(|&o| o < names.len()).ok_or_else(cut)?;
                        let rest = names.get(start..).ok_or_else(cut)?;
                        let name = rest.split(|&b| b == 0).next().unwrap_or_default();
                        out.push((String::from_utf8_lossy(name).to_string(), address));
                        if out.len() > MAX_LINKS {
                            return Err(self.malformed("the group has more members than ecglens reads"));
                        }
                    }
                    continue;
                }
                return Err(self.malformed(format!("no B-tree node (\"TREE\") at address {node}: the file is corrupt")));
            }
            let _kind = c.u8().ok_or_else(node_cut)?;
            let level = c.u8().ok_or_else(node_cut)?;
            let entries = usize::from(c.u16().ok_or_else(node_cut)?);
            let pair = self.length_size + self.offset_size;
            let body_len =
                entries.checked_mul(pair).and_then(|v| v.checked_add(self.length_size)).ok_or_else(node_cut)?;
            let body =
                self.read(node.checked_add(head.len() as u64).ok_or_else(node_cut)?, body_len, "a group B-tree node")?;
            let mut b = Cursor::new(self, &body);
            let mut kids = Vec::new();
            for _ in 0..entries {
                b.length().ok_or_else(node_cut)?;
                kids.push(b.address().ok_or_else(node_cut)?);
            }
            if level > 0 && depth_left == 0 {
                return Err(self.malformed("a group B-tree is deeper than any real file's: it points in circles"));
            }
            for kid in kids.into_iter().rev() {
                stack.push((kid, depth_left.saturating_sub(1)));
            }
        }
        Ok(out)
    }

    /// Rows `start..start + count` along the first dimension of a dataset (all of a scalar or 1-row dataset
    /// when `shape` is empty), as numbers in the file's order.
    pub fn read_rows(&self, object: &Object, start: u64, count: u64) -> Result<Vec<f64>, SignalError> {
        let shape = object.shape.clone().unwrap_or_default();
        let datatype = object.datatype.ok_or_else(|| self.malformed("a dataset without a datatype"))?;
        if !datatype.is_numeric() {
            return Err(self.unsupported(format!("the dataset holds {}, not numbers", datatype.describe())));
        }
        let esize = datatype.size() as u64;
        let (rows, row_shape): (u64, &[u64]) = match shape.split_first() {
            Some((&first, rest)) => (first, rest),
            None => (1, &[]),
        };
        if start.checked_add(count).is_none_or(|end| end > rows) {
            return Err(
                self.malformed(format!("rows {start}..{} asked of a dataset of {rows}", start.saturating_add(count)))
            );
        }
        let row_len = row_shape.iter().try_fold(1u64, |a, &d| a.checked_mul(d));
        let total = row_len.and_then(|r| r.checked_mul(count));
        let total = total
            .and_then(|t| usize::try_from(t).ok())
            .filter(|&t| t <= limits::MAX_TOTAL_SAMPLES)
            .ok_or_else(|| SignalError::TooLarge {
                file: self.file.to_string(),
                message: format!(
                    "a record of shape {row_shape:?} is more than {} samples",
                    thousands(limits::MAX_TOTAL_SAMPLES)
                ),
            })?;
        let row_len = row_len.unwrap_or(0);
        let bytes_len = total.checked_mul(datatype.size()).ok_or_else(|| self.malformed("a dataset too large"))?;
        let mut out = Vec::with_capacity(total);
        let from = start.saturating_mul(row_len).saturating_mul(esize);
        match object.layout.as_ref().ok_or_else(|| self.malformed("a dataset without a data layout"))? {
            Layout::Compact(data) => {
                let from = usize::try_from(from).ok();
                let slice = from.and_then(|f| data.get(f..f.checked_add(bytes_len)?));
                datatype
                    .decode(slice.ok_or_else(|| self.malformed("a compact dataset smaller than its shape"))?, &mut out);
            }
            Layout::Contiguous { address, size } => {
                if *address == UNDEFINED {
                    return Err(self.malformed("the dataset was created but never written: it holds no data"));
                }
                if from.checked_add(bytes_len as u64).is_none_or(|end| end > *size) {
                    return Err(self.malformed(format!(
                        "the dataset's storage is {} bytes, smaller than its shape {shape:?} of {}: the file is corrupt",
                        size,
                        datatype.describe()
                    )));
                }
                let bytes = self.read(address.saturating_add(from), bytes_len, "the dataset's data")?;
                datatype.decode(&bytes, &mut out);
            }
            Layout::SingleChunk { address, size, filter_mask } => {
                let whole = shape.iter().try_fold(1u64, |a, &d| a.checked_mul(d)).and_then(|n| n.checked_mul(esize));
                let whole = whole.and_then(|w| usize::try_from(w).ok()).filter(|&w| w <= limits::MAX_FILE_BYTES);
                let whole = whole.ok_or_else(|| self.malformed("a single-chunk dataset too large"))?;
                let stored = if *size == u64::MAX {
                    whole
                } else {
                    usize::try_from(*size).map_err(|_| self.malformed("a chunk too large"))?
                };
                let raw = self.read(*address, stored, "the dataset's chunk")?;
                let raw = self.unfilter(raw, &object.filters, *filter_mask, whole, datatype.size())?;
                let from = usize::try_from(from).ok();
                let slice = from.and_then(|f| raw.get(f..f.checked_add(bytes_len)?));
                datatype.decode(slice.ok_or_else(|| self.malformed("a chunk smaller than its dataset"))?, &mut out);
            }
            Layout::Chunked { btree, chunk } => {
                out = vec![0.0; total];
                self.read_chunked(&shape, datatype, &object.filters, *btree, chunk, start, count, &mut out)?;
            }
            Layout::Unsupported(what) => {
                return Err(self.unsupported(format!("the dataset is stored as {what}, which ecglens does not read")))
            }
        }
        if out.len() != total {
            return Err(self.malformed("the dataset's data is shorter than its shape"));
        }
        Ok(out)
    }

    /// Undoes a chunk's filters (in reverse pipeline order, skipping those its mask marks as not applied).
    fn unfilter(
        &self,
        mut data: Vec<u8>,
        filters: &[Filter],
        mask: u32,
        expected: usize,
        esize: usize,
    ) -> Result<Vec<u8>, SignalError> {
        for (k, filter) in filters.iter().enumerate().rev() {
            if k < 32 && mask >> k & 1 == 1 {
                continue;
            }
            data = match filter.id {
                1 => miniz_oxide::inflate::decompress_to_vec_zlib_with_limit(&data, expected).map_err(|e| {
                    self.malformed(format!(
                        "a gzip-compressed chunk does not decompress ({:?}): the file is corrupt",
                        e.status
                    ))
                })?,
                2 => unshuffle(&data, esize),
                3 => {
                    let n = data.len().saturating_sub(4);
                    data.truncate(n);
                    data
                }
                id => {
                    let name = if filter.name.is_empty() { String::new() } else { format!(" ({})", filter.name) };
                    return Err(self.unsupported(format!(
                        "the dataset is compressed with HDF5 filter {id}{name}; ecglens reads gzip (deflate), shuffle and Fletcher-32 only: re-save it with gzip"
                    )));
                }
            };
        }
        let inflated = self.inflated.get().saturating_add(data.len());
        self.inflated.set(inflated);
        if inflated > MAX_INFLATED_BYTES {
            return Err(SignalError::TooLarge {
                file: self.file.to_string(),
                message: format!(
                    "its chunks decompress to more than {} bytes for one record",
                    thousands(MAX_INFLATED_BYTES)
                ),
            });
        }
        if data.len() < expected {
            return Err(self.malformed(format!(
                "a chunk holds {} bytes after decompression, {} expected: the file is corrupt",
                data.len(),
                expected
            )));
        }
        Ok(data)
    }

    /// Fills `out` (rows `start..start + count`, row-major) from the chunks that hold them.
    #[allow(clippy::too_many_arguments)]
    fn read_chunked(
        &self,
        shape: &[u64],
        datatype: Datatype,
        filters: &[Filter],
        btree: u64,
        chunk: &[u64],
        start: u64,
        count: u64,
        out: &mut [f64],
    ) -> Result<(), SignalError> {
        let rank = shape.len();
        let chunk = chunk.get(..rank).filter(|c| c.len() == rank && c.iter().all(|&d| d > 0));
        let chunk = chunk.ok_or_else(|| self.malformed("the chunk shape does not match the dataset's"))?;
        let esize = datatype.size();
        let chunk_elements = chunk.iter().try_fold(1u64, |a, &d| a.checked_mul(d));
        let chunk_elements =
            chunk_elements.and_then(|n| usize::try_from(n).ok()).filter(|&n| n <= limits::MAX_TOTAL_SAMPLES);
        let chunk_elements = chunk_elements.ok_or_else(|| self.malformed("chunks larger than ecglens reads"))?;
        let chunk_bytes =
            chunk_elements.checked_mul(esize).ok_or_else(|| self.malformed("chunks larger than ecglens reads"))?;
        if btree == UNDEFINED {
            return Ok(()); // never written: the fill value (0)
        }
        let (lo, hi) = (start, start + count); // rows wanted: lo..hi (read_rows checked hi <= shape[0])
        let key_len = 8 + 8 * (rank + 1);
        let mut stack = vec![(btree, MAX_BTREE_DEPTH)];
        let mut values = Vec::with_capacity(chunk_elements);
        while let Some((node, depth_left)) = stack.pop() {
            let cut = || self.malformed(format!("the chunk B-tree node at address {node} is cut short or corrupt"));
            let head = self.read(node, 8 + 2 * self.offset_size, "a chunk B-tree node")?;
            let mut c = Cursor::new(self, &head);
            if c.take(4) != Some(b"TREE") || c.u8() != Some(1) {
                return Err(self.malformed(format!("no chunk B-tree node at address {node}: the file is corrupt")));
            }
            let level = c.u8().ok_or_else(cut)?;
            let entries = usize::from(c.u16().ok_or_else(cut)?);
            let pair = key_len + self.offset_size;
            let body_len = entries.checked_mul(pair).and_then(|v| v.checked_add(key_len)).ok_or_else(cut)?;
            let body =
                self.read(node.checked_add(head.len() as u64).ok_or_else(cut)?, body_len, "a chunk B-tree node")?;
            let mut b = Cursor::new(self, &body);
            let mut keys = Vec::with_capacity(entries + 1);
            let mut kids = Vec::with_capacity(entries);
            for k in 0..=entries {
                let size = b.u32().ok_or_else(cut)?;
                let mask = b.u32().ok_or_else(cut)?;
                let offsets: Vec<u64> = (0..=rank).map(|_| b.uint(8)).collect::<Option<_>>().ok_or_else(cut)?;
                keys.push((size, mask, offsets));
                if k < entries {
                    kids.push(b.address().ok_or_else(cut)?);
                }
            }
            for (j, &kid) in kids.iter().enumerate().rev() {
                let (size, mask, ref first) = keys[j];
                let next0 = keys.get(j + 1).and_then(|k| k.2.first().copied()).unwrap_or(u64::MAX);
                let first0 = first.first().copied().unwrap_or(0);
                // The subtree holds chunks from `first` to `next` (in row-major order of their offsets).
                if first0 >= hi || next0.saturating_add(chunk[0]) <= lo {
                    continue;
                }
                if level > 0 {
                    if depth_left == 0 {
                        return Err(self.malformed("a chunk B-tree deeper than any real file's: it points in circles"));
                    }
                    stack.push((kid, depth_left - 1));
                    continue;
                }
                if first0.saturating_add(chunk[0]) <= lo {
                    continue;
                }
                if first.iter().zip(chunk).any(|(o, c)| o % c != 0) {
                    return Err(
                        self.malformed("a chunk's offset is not a multiple of the chunk shape: the file is corrupt")
                    );
                }
                let size =
                    usize::try_from(size).ok().filter(|&s| s <= chunk_bytes.saturating_mul(2).saturating_add(1024));
                let raw = self.read(kid, size.ok_or_else(cut)?, "a chunk")?;
                let data = self.unfilter(raw, filters, mask, chunk_bytes, esize)?;
                values.clear();
                datatype.decode(data.get(..chunk_bytes).unwrap_or_default(), &mut values);
                place(&values, first, chunk, shape, lo, hi, out);
            }
        }
        Ok(())
    }
}

/// Copies a chunk's elements (`values`, row-major over `chunk`, starting at `offset`) that fall inside the dataset
/// and in rows `lo..hi` into `out` (row-major over rows `lo..hi` of `shape`).
fn place(values: &[f64], offset: &[u64], chunk: &[u64], shape: &[u64], lo: u64, hi: u64, out: &mut [f64]) {
    let rank = shape.len();
    if rank == 0 {
        if let (Some(v), Some(o)) = (values.first(), out.first_mut()) {
            *o = *v;
        }
        return;
    }
    // Strides of `out` (rows lo..hi of shape) and of the chunk.
    let mut out_stride = vec![1u64; rank];
    let mut chunk_stride = vec![1u64; rank];
    for d in (0..rank.saturating_sub(1)).rev() {
        out_stride[d] = out_stride[d + 1].saturating_mul(shape[d + 1]);
        chunk_stride[d] = chunk_stride[d + 1].saturating_mul(chunk[d + 1]);
    }
    // Walk the chunk's last dimension as a run, the others with an odometer.
    let last = rank - 1;
    let mut index = vec![0u64; rank];
    loop {
        let mut inside = true;
        let mut out_at = 0u64;
        let mut chunk_at = 0u64;
        for d in 0..last {
            let global = offset[d] + index[d];
            let limit_ok = if d == 0 { global >= lo && global < hi } else { global < shape[d] };
            if !limit_ok {
                inside = false;
                break;
            }
            let g = if d == 0 { global - lo } else { global };
            out_at += g * out_stride[d];
            chunk_at += index[d] * chunk_stride[d];
        }
        if inside {
            let (g0, n) = (offset[last], chunk[last]);
            let run = n.min(shape[last].saturating_sub(g0));
            if last == 0 {
                // One dimension: rows are elements.
                for k in 0..run {
                    let global = g0 + k;
                    if global >= lo && global < hi {
                        if let (Some(v), Some(o)) = (values.get(k as usize), out.get_mut((global - lo) as usize)) {
                            *o = *v;
                        }
                    }
                }
            } else {
                out_at += g0;
                for k in 0..run {
                    if let (Some(v), Some(o)) =
                        (values.get((chunk_at + k) as usize), out.get_mut((out_at + k) as usize))
                    {
                        *o = *v;
                    }
                }
            }
        }
        // Next index over dimensions 0..last.
        let mut d = last;
        loop {
            if d == 0 {
                return;
            }
            d -= 1;
            index[d] += 1;
            if index[d] < chunk[d] {
                break;
            }
            index[d] = 0;
        }
    }
}

/// Undoes HDF5's shuffle filter: byte k of every element was stored together.
fn unshuffle(data: &[u8], esize: usize) -> Vec<u8> {
    if esize <= 1 {
        return data.to_vec();
    }
    let n = data.len() / esize;
    let mut out = data.to_vec();
    for k in 0..esize {
        for i in 0..n {
            if let (Some(o), Some(&v)) = (out.get_mut(i * esize + k), data.get(k * n + i)) {
                *o = v;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unshuffle_regroups_bytes() {
        // Two 3-byte elements [1,2,3] and [4,5,6] are stored shuffled as 1,4,2,5,3,6.
        assert_eq!(unshuffle(&[1, 4, 2, 5, 3, 6], 3), vec![1, 2, 3, 4, 5, 6]);
        assert_eq!(unshuffle(&[9, 8], 1), vec![9, 8]);
    }

    #[test]
    fn integers_and_floats_decode_in_either_byte_order() {
        let mut v = Vec::new();
        Datatype::Integer { size: 2, signed: true, big_endian: true }.decode(&[0xFF, 0xFE, 0x00, 0x05], &mut v);
        Datatype::Integer { size: 2, signed: false, big_endian: false }.decode(&[0xFF, 0xFF], &mut v);
        Datatype::Float { size: 4, big_endian: true }.decode(&1.5f32.to_be_bytes(), &mut v);
        Datatype::Integer { size: 8, signed: true, big_endian: false }.decode(&(-7i64).to_le_bytes(), &mut v);
        assert_eq!(v, vec![-2.0, 5.0, 65535.0, 1.5, -7.0]);
    }

    #[test]
    fn place_copies_the_rows_asked_for() {
        // A (3, 2) dataset in chunks of (2, 2): the chunk at row 2 holds row 2 and a row past the end.
        let mut out = vec![0.0; 2];
        place(&[5.0, 6.0, 7.0, 8.0], &[2, 0], &[2, 2], &[3, 2], 2, 3, &mut out);
        assert_eq!(out, vec![5.0, 6.0]);
        let mut out = vec![0.0; 4];
        place(&[1.0, 2.0, 3.0, 4.0], &[0, 0], &[2, 2], &[3, 2], 1, 3, &mut out);
        assert_eq!(out, vec![3.0, 4.0, 0.0, 0.0]);
    }
}
