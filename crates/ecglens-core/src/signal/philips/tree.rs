//! A small element tree of the document (local names, attributes, text), built with quick-xml, so that the
//! reader can ask for `dataacquisition/signalcharacteristics/samplingrate` the way the reference decoder's
//! `getElementsByTagName` does. Namespace prefixes are dropped (Sierra files use one default namespace).
//! Nesting is limited to [`MAX_DEPTH`] so that a hostile file cannot exhaust the stack.

use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

/// Deeper nesting than any Sierra file has (they go about 8 levels deep).
pub const MAX_DEPTH: usize = 64;

/// One element: its local name, attributes (local names), its own text (the text children joined) and children.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Element {
    pub name: String,
    pub attributes: Vec<(String, String)>,
    pub text: String,
    pub children: Vec<Element>,
}

impl Element {
    /// The first child element called `name`.
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    /// All child elements called `name`, in order.
    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// Follows a path of child names.
    pub fn path(&self, names: &[&str]) -> Option<&Element> {
        names.iter().try_fold(self, |e, n| e.child(n))
    }

    /// The first element called `name` below this one, depth first in document order (as the DOM's
    /// `getElementsByTagName(name)[0]`).
    pub fn find(&self, name: &str) -> Option<&Element> {
        self.children.iter().find_map(|c| if c.name == name { Some(c) } else { c.find(name) })
    }

    /// The value of attribute `name`.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attributes.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// The element's text, trimmed.
    pub fn text(&self) -> &str {
        self.text.trim()
    }

    /// The trimmed text of child `name`, when it has some.
    pub fn child_text(&self, name: &str) -> Option<&str> {
        self.child(name).map(Element::text).filter(|t| !t.is_empty())
    }
}

fn local(name: &[u8]) -> String {
    let name = String::from_utf8_lossy(name);
    name.rsplit(':').next().unwrap_or(&name).to_string()
}

fn start(e: &BytesStart<'_>) -> Result<Element, String> {
    let mut attributes = Vec::new();
    for attr in e.attributes() {
        let attr =
            attr.map_err(|err| format!("an attribute of <{}> is malformed ({err})", local(e.name().as_ref())))?;
        let key = attr.key.as_ref();
        if key.starts_with(b"xmlns") {
            continue;
        }
        let value = attr
            .unescape_value()
            .map_err(|err| format!("attribute {} has a bad value ({err})", local(key)))?
            .into_owned();
        attributes.push((local(key), value));
    }
    Ok(Element { name: local(e.local_name().as_ref()), attributes, text: String::new(), children: Vec::new() })
}

/// Parses `text` into its root element. The error says what is wrong and where (byte offset).
pub fn parse(text: &str) -> Result<Element, String> {
    let mut reader = Reader::from_str(text);
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    loop {
        let at = reader.buffer_position();
        let event = reader.read_event().map_err(|e| format!("the XML is not well formed near byte {at} ({e})"))?;
        match event {
            Event::Start(e) => {
                if root.is_some() {
                    return Err("the XML has content after its root element".into());
                }
                if stack.len() >= MAX_DEPTH {
                    return Err(format!("the XML nests elements more than {MAX_DEPTH} deep"));
                }
                stack.push(start(&e)?);
            }
            Event::Empty(e) => {
                let element = start(&e)?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(element),
                    None if root.is_none() => root = Some(element),
                    None => return Err("the XML has content after its root element".into()),
                }
            }
            Event::End(_) => {
                let Some(done) = stack.pop() else { return Err("the XML closes an element it never opened".into()) };
                match stack.last_mut() {
                    Some(parent) => parent.children.push(done),
                    None => root = Some(done),
                }
            }
            Event::Text(t) => {
                if let Some(current) = stack.last_mut() {
                    let s = t.decode().map_err(|e| format!("text near byte {at} is not valid ({e})"))?;
                    current.text.push_str(&s);
                }
            }
            Event::CData(t) => {
                if let Some(current) = stack.last_mut() {
                    let s = t.decode().map_err(|e| format!("CDATA near byte {at} is not valid ({e})"))?;
                    current.text.push_str(&s);
                }
            }
            Event::GeneralRef(r) => {
                if let Some(current) = stack.last_mut() {
                    let name = r.decode().map_err(|e| format!("an entity near byte {at} is not valid ({e})"))?;
                    if let Some(ch) =
                        r.resolve_char_ref().map_err(|e| format!("bad character reference &{name}; ({e})"))?
                    {
                        current.text.push(ch);
                    } else if let Some(s) = resolve_predefined_entity(&name) {
                        current.text.push_str(s);
                    } else {
                        return Err(format!("the XML uses the undefined entity &{name};"));
                    }
                }
            }
            Event::Eof => break,
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) | Event::DocType(_) => {}
        }
    }
    if let Some(open) = stack.last() {
        return Err(format!("the XML ends inside <{}>: the file is truncated", open.name));
    }
    root.ok_or_else(|| "the XML has no root element".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_the_tree_with_local_names_text_and_entities() {
        let doc = r#"<?xml version="1.0"?><p:a xmlns:p="u" k="&lt;1&gt;"><b>x &amp; y&#65;</b><c/><b>2</b><d><b>deep</b></d></p:a>"#;
        let root = parse(doc).unwrap();
        assert_eq!(root.name, "a");
        assert_eq!(root.attr("k"), Some("<1>"));
        assert_eq!(root.child_text("b"), Some("x & yA"));
        assert_eq!(root.children_named("b").count(), 2);
        assert_eq!(root.child("c").map(|c| c.text()), Some(""));
        assert_eq!(root.child_text("c"), None);
        assert_eq!(root.path(&["d", "b"]).map(Element::text), Some("deep"));
        assert_eq!(root.find("b").map(Element::text), Some("x & yA"));
    }

    #[test]
    fn refuses_broken_xml() {
        assert!(parse("<a><b></a>").is_err());
        assert!(parse("<a>").unwrap_err().contains("truncated"));
        assert!(parse("").unwrap_err().contains("no root"));
        assert!(parse("<a>&bogus;</a>").unwrap_err().contains("undefined entity"));
        let deep = "<a>".repeat(MAX_DEPTH + 1);
        assert!(parse(&deep).unwrap_err().contains("deep"));
    }
}
