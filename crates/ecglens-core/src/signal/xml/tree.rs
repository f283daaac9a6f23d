//! A small element tree built from quick-xml events, shared by the XML readers (HL7 aECG, GE MUSE, Philips
//! Sierra): element local names (namespace prefixes dropped), attributes by local name (`xmlns` declarations
//! left out), and each element's own text (character data, CDATA sections and entity or character references,
//! concatenated in document order).
//!
//! A tree rather than a streaming state machine: these documents are small (bounded by
//! [`limits::MAX_FILE_BYTES`](crate::signal::limits::MAX_FILE_BYTES) before we get here) and are read by path
//! (`PatientDemographics/PatientID`, `dataacquisition/signalcharacteristics/samplingrate`), which a tree makes
//! plain. Nesting depth and element count are bounded so that a hostile file cannot exhaust the stack (the
//! recursive queries and `Drop`) or memory.

use quick_xml::errors::SyntaxError;
use quick_xml::escape::resolve_predefined_entity;
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

    /// The first element of that name below this one, depth first in document order (as the DOM's
    /// `getElementsByTagName(name)[0]`).
    pub fn find(&self, name: &str) -> Option<&Element> {
        self.children.iter().find_map(|c| if c.name == name { Some(c) } else { c.find(name) })
    }

    /// The element's own text, trimmed.
    pub fn text(&self) -> &str {
        self.text.trim()
    }

    /// The trimmed text of the first child of that name, when it has some.
    pub fn child_text(&self, name: &str) -> Option<&str> {
        self.child(name).map(Element::text).filter(|t| !t.is_empty())
    }

    /// The trimmed text of the element at `names`, when it has some.
    pub fn text_at(&self, names: &[&str]) -> Option<&str> {
        self.path(names).map(Element::text).filter(|t| !t.is_empty())
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
    let name = local(start.name().as_ref());
    let mut attributes = Vec::new();
    for attribute in start.attributes() {
        let attribute = attribute.map_err(|e| format!("an attribute of <{name}> is malformed ({e})"))?;
        let key = attribute.key.as_ref();
        if key == b"xmlns" || key.starts_with(b"xmlns:") {
            continue;
        }
        let value = attribute
            .unescape_value()
            .map_err(|e| format!("attribute {} of <{name}> has a bad value ({e})", local(key)))?;
        attributes.push((local(key), value.into_owned()));
    }
    Ok(Element { name, attributes, text: String::new(), children: Vec::new() })
}

/// Parses a whole document into its root element. The error says what is wrong, in words, and near which
/// byte ("the document ends inside <digits>: the file is truncated").
pub(crate) fn parse(text: &str) -> Result<Element, String> {
    parse_limited(text, MAX_ELEMENTS)
}

fn parse_limited(text: &str, max_elements: usize) -> Result<Element, String> {
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
                if count > max_elements {
                    return Err(format!("the document has more than {max_elements} elements"));
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
                    match r.resolve_char_ref() {
                        Ok(Some(c)) => open.text.push(c),
                        Ok(None) => match resolve_predefined_entity(&name) {
                            Some(s) => open.text.push_str(s),
                            None => return Err(format!("unknown entity &{name}; near byte {at}")),
                        },
                        Err(e) => return Err(format!("bad character reference &{name}; near byte {at} ({e})")),
                    }
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
    fn builds_a_tree_with_local_names_attributes_text_and_entities() {
        let doc =
            "<?xml version=\"1.0\"?><!-- c --><!DOCTYPE a><v3:a xmlns:v3=\"u\" xmlns=\"d\" xsi:type=\"X &amp; Y\">\
                   <b>1 &lt; 2&#33;&#x41;</b><b><![CDATA[<raw>]]> &apos;q&quot;</b><c/><d><b> deep </b></d></v3:a>";
        let root = parse(doc).unwrap();
        assert_eq!(root.name, "a");
        assert_eq!(root.attributes, [("type".to_string(), "X & Y".to_string())], "xmlns declarations are dropped");
        assert_eq!(root.attr("type"), Some("X & Y"));
        assert_eq!(root.children("b").map(|b| b.text.as_str()).collect::<Vec<_>>(), ["1 < 2!A", "<raw> 'q\""]);
        assert_eq!(root.child_text("b"), Some("1 < 2!A"));
        assert_eq!(root.child("c").map(Element::text), Some(""));
        assert_eq!(root.child_text("c"), None);
        assert_eq!(root.text_at(&["d", "b"]), Some("deep"));
        assert_eq!(root.text_at(&["d", "x"]), None);
        assert_eq!(root.find("b").map(Element::text), Some("1 < 2!A"));
        assert_eq!(root.path(&["d"]).and_then(|d| d.find("b")).map(Element::text), Some("deep"));
        assert_eq!(root.all_text(), "1 < 2!A <raw> 'q\" deep");
    }

    #[test]
    fn text_joins_pieces_and_normalises_line_ends() {
        let root = parse("<a>x\r\ny<!-- c -->z<![CDATA[\r\n]]>&amp;</a>").unwrap();
        assert_eq!(root.text, "x\nyz\r\n&");
        let root = parse("<a/>").unwrap();
        assert_eq!((root.name.as_str(), root.children.len()), ("a", 0));
    }

    #[test]
    fn refuses_broken_documents_in_words() {
        assert!(parse("<a><b>12").unwrap_err().contains("the document ends inside <b>: the file is truncated"));
        assert!(parse("<a><b att").unwrap_err().contains("the file is truncated"));
        assert!(parse("<a></b>").unwrap_err().contains("broken near byte 3"));
        assert!(parse("").unwrap_err().contains("no root element"));
        assert!(parse("  \n").unwrap_err().contains("no root element"));
        assert!(parse("<a/><b/>").unwrap_err().contains("more after the end"));
        assert!(parse("<a></a><b>").unwrap_err().contains("more after the end"));
        assert!(parse("<a>&foo;</a>").unwrap_err().contains("unknown entity &foo;"));
        assert!(parse("<a>&#xD800;</a>").unwrap_err().contains("bad character reference"));
        assert!(parse("<a b=\"1\" b=\"2\"/>").unwrap_err().contains("an attribute of <a> is malformed"));
        assert!(parse("<a b=\"&nope;\"/>").unwrap_err().contains("attribute b of <a> has a bad value"));
        let deep = "<a>".repeat(MAX_DEPTH + 1);
        assert!(parse(&deep).unwrap_err().contains("nested more than 200 deep"));
        let ok_deep = format!("{}{}", "<a>".repeat(MAX_DEPTH), "</a>".repeat(MAX_DEPTH));
        assert!(parse(&ok_deep).is_ok());
    }

    #[test]
    fn limits_the_number_of_elements() {
        let doc = format!("<r>{}</r>", "<e/>".repeat(9));
        assert_eq!(parse_limited(&doc, 10).map(|r| r.children.len()), Ok(9));
        let doc = format!("<r>{}</r>", "<e/>".repeat(10));
        assert!(parse_limited(&doc, 10).unwrap_err().contains("more than 10 elements"));
    }
}
