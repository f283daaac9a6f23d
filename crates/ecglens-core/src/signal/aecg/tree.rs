//! A small element tree built from quick-xml events, for the XML readers (HL7 aECG, GE MUSE): element local
//! names (namespace prefixes dropped), attributes by local name, and the element's own text (character data,
//! CDATA and entity references, concatenated).
//!
//! A tree rather than a streaming state machine: these documents are small (a few MB at most, bounded by
//! [`limits::MAX_FILE_BYTES`](crate::signal::limits::MAX_FILE_BYTES) before we get here) and read by path, which
//! a tree makes plain. Depth and element count are bounded so a hostile file cannot exhaust the stack or memory.

use quick_xml::errors::SyntaxError;
use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

/// At most this deep an element nesting (real files reach about 20).
pub(crate) const MAX_DEPTH: usize = 200;
/// At most this many elements in a document.
pub(crate) const MAX_ELEMENTS: usize = 2_000_000;

/// One element: its local name, attributes (local name, unescaped value), own text and children.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Element {
    pub name: String,
    pub attributes: Vec<(String, String)>,
    pub text: String,
    pub children: Vec<Element>,
}

impl Element {
    /// The value of the attribute of that local name (`type` finds `xsi:type`).
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attributes.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    /// The first child of that name.
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    /// All children of that name, in order.
    pub fn children<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// The first element down a path of child names.
    pub fn path(&self, names: &[&str]) -> Option<&Element> {
        names.iter().try_fold(self, |e, n| e.child(n))
    }

    /// The trimmed text of the element at `names`, when there is some.
    pub fn text_at(&self, names: &[&str]) -> Option<&str> {
        self.path(names).map(|e| e.text.trim()).filter(|t| !t.is_empty())
    }

    /// All the text inside the element (its own and its descendants'), words joined by single spaces.
    pub fn all_text(&self) -> String {
        fn walk(e: &Element, out: &mut Vec<String>) {
            out.extend(e.text.split_whitespace().map(str::to_string));
            for c in &e.children {
                walk(c, out);
            }
        }
        let mut words = Vec::new();
        walk(self, &mut words);
        words.join(" ")
    }
}

fn local(name: &[u8]) -> String {
    let local = name.rsplit(|&b| b == b':').next().unwrap_or(name);
    String::from_utf8_lossy(local).into_owned()
}

fn element(start: &BytesStart) -> Result<Element, String> {
    let mut attributes = Vec::new();
    for attribute in start.attributes() {
        let attribute =
            attribute.map_err(|e| format!("an attribute of <{}> is malformed ({e})", local(start.name().as_ref())))?;
        let value = attribute
            .unescape_value()
            .map_err(|e| format!("an attribute of <{}> is malformed ({e})", local(start.name().as_ref())))?;
        attributes.push((local(attribute.key.as_ref()), value.into_owned()));
    }
    Ok(Element { name: local(start.name().as_ref()), attributes, text: String::new(), children: Vec::new() })
}

/// The character an entity reference stands for (the five XML ones and numeric references); `None` for others.
fn entity(name: &str) -> Option<char> {
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        _ => {
            let code = if let Some(hex) = name.strip_prefix("#x").or_else(|| name.strip_prefix("#X")) {
                u32::from_str_radix(hex, 16).ok()?
            } else {
                name.strip_prefix('#')?.parse().ok()?
            };
            char::from_u32(code)?
        }
    })
}

/// Parses a whole document into its root element. The error says what is wrong, in words ("the document ends
/// inside <digits>: the file is truncated").
pub(crate) fn parse(text: &str) -> Result<Element, String> {
    let mut reader = Reader::from_str(text);
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    let mut count = 0usize;
    loop {
        let at = reader.buffer_position();
        let event = reader.read_event().map_err(|e| match e {
            quick_xml::Error::Syntax(s) if s != SyntaxError::InvalidBangMarkup => {
                format!("the document ends in the middle of markup near byte {at} ({s}): the file is truncated")
            }
            e => format!("the XML is broken near byte {at}: {e}"),
        })?;
        match event {
            Event::Start(ref start) | Event::Empty(ref start) => {
                if root.is_some() {
                    return Err(format!("there is more after the end of the document, near byte {at}"));
                }
                count = count.saturating_add(1);
                if count > MAX_ELEMENTS {
                    return Err(format!("the document has more than {MAX_ELEMENTS} elements"));
                }
                if stack.len() >= MAX_DEPTH {
                    return Err(format!("elements are nested more than {MAX_DEPTH} deep"));
                }
                let new = element(start)?;
                if matches!(event, Event::Start(_)) {
                    stack.push(new);
                } else if let Some(parent) = stack.last_mut() {
                    parent.children.push(new);
                } else {
                    root = Some(new);
                }
            }
            Event::End(_) => {
                // quick-xml checks that end names match their start.
                let done = stack.pop().ok_or_else(|| format!("a closing tag near byte {at} has no opening tag"))?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(done),
                    None => root = Some(done),
                }
            }
            Event::Text(t) => {
                if let Some(open) = stack.last_mut() {
                    let t = t.xml10_content().map_err(|e| format!("text near byte {at} is not readable ({e})"))?;
                    open.text.push_str(&t);
                }
            }
            Event::CData(t) => {
                if let Some(open) = stack.last_mut() {
                    let t = t.decode().map_err(|e| format!("CDATA near byte {at} is not readable ({e})"))?;
                    open.text.push_str(&t);
                }
            }
            Event::GeneralRef(r) => {
                if let Some(open) = stack.last_mut() {
                    let name = r.decode().map_err(|e| format!("a reference near byte {at} is not readable ({e})"))?;
                    let c = entity(&name).ok_or_else(|| format!("unknown entity &{name}; near byte {at}"))?;
                    open.text.push(c);
                }
            }
            Event::Eof => break,
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) => {}
        }
    }
    if let Some(open) = stack.last() {
        return Err(format!("the document ends inside <{}>: the file is truncated", open.name));
    }
    root.ok_or_else(|| "the document has no root element (empty or not XML)".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_a_tree_with_local_names_text_and_entities() {
        let doc = "<?xml version=\"1.0\"?><!-- c --><v3:a xmlns:v3=\"u\" xsi:type=\"X &amp; Y\"><b>1 &lt; 2&#33;</b>\
                   <b><![CDATA[<raw>]]></b><c/></v3:a>";
        let root = parse(doc).unwrap();
        assert_eq!(root.name, "a");
        assert_eq!(root.attr("type"), Some("X & Y"));
        assert_eq!(root.children("b").map(|b| b.text.as_str()).collect::<Vec<_>>(), ["1 < 2!", "<raw>"]);
        assert!(root.child("c").is_some());
        assert_eq!(root.text_at(&["b"]), Some("1 < 2!"));
        assert_eq!(root.all_text(), "1 < 2! <raw>");
    }

    #[test]
    fn refuses_broken_documents_in_words() {
        assert!(parse("<a><b>12").unwrap_err().contains("ends inside <b>: the file is truncated"));
        assert!(parse("<a></b>").unwrap_err().contains("broken"));
        assert!(parse("").unwrap_err().contains("no root element"));
        assert!(parse("<a/><b/>").unwrap_err().contains("more after the end"));
        assert!(parse("<a>&foo;</a>").unwrap_err().contains("unknown entity &foo;"));
        let deep = "<a>".repeat(MAX_DEPTH + 1);
        assert!(parse(&deep).unwrap_err().contains("nested more than"));
    }
}
