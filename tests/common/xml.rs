//! A small element tree built with quick-xml, so that tests can ask for settings by path.

use quick_xml::XmlVersion;
use quick_xml::events::{BytesStart, Event};
use quick_xml::reader::Reader;

#[derive(Debug, Clone, Default)]
pub struct Element {
    pub name: String,
    pub attributes: Vec<(String, String)>,
    pub children: Vec<Element>,
    pub text: String,
}

/// Parses `xml`; panics (failing the test) when it is not well-formed.
pub fn parse(xml: &str) -> Element {
    let mut reader = Reader::from_str(xml);
    let mut stack = vec![Element::default()];
    loop {
        match reader.read_event().expect("well-formed XML") {
            Event::Start(start) => stack.push(element(&start)),
            Event::Empty(start) => stack.last_mut().unwrap().children.push(element(&start)),
            Event::End(_) => {
                let done = stack.pop().unwrap();
                stack.last_mut().unwrap().children.push(done);
            }
            Event::Text(text) => stack.last_mut().unwrap().text.push_str(&text.xml_content(XmlVersion::Explicit1_0)),
            Event::GeneralRef(reference) => {
                let resolved = match &*reference {
                    "amp" => "&".to_string(),
                    "lt" => "<".to_string(),
                    "gt" => ">".to_string(),
                    "quot" => "\"".to_string(),
                    "apos" => "'".to_string(),
                    other => {
                        let code = other
                            .strip_prefix("#x")
                            .map(|h| u32::from_str_radix(h, 16).unwrap())
                            .or_else(|| other.strip_prefix('#').map(|d| d.parse().unwrap()))
                            .unwrap_or_else(|| panic!("unknown entity {other}"));
                        char::from_u32(code).unwrap().to_string()
                    }
                };
                stack.last_mut().unwrap().text.push_str(&resolved);
            }
            Event::CData(data) => stack.last_mut().unwrap().text.push_str(&data),
            Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!(stack.len(), 1, "every element is closed");
    stack.pop().unwrap().children.into_iter().next().expect("a root element")
}

fn element(start: &BytesStart) -> Element {
    let attributes = start
        .attributes()
        .map(|a| {
            let a = a.unwrap();
            (a.key.as_ref().to_string(), a.normalized_value(XmlVersion::Explicit1_0).unwrap().into_owned())
        })
        .collect();
    Element { name: start.name().as_ref().to_string(), attributes, ..Element::default() }
}

impl Element {
    pub fn attribute(&self, key: &str) -> Option<&str> {
        self.attributes.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    /// Every element at `path` (`A/B/C`) below this one.
    pub fn all(&self, path: &str) -> Vec<&Element> {
        let mut current = vec![self];
        for step in path.split('/') {
            current = current.into_iter().flat_map(|e| e.children.iter().filter(move |c| c.name == step)).collect();
        }
        current
    }

    /// The text of every element at `path`.
    pub fn values(&self, path: &str) -> Vec<String> {
        self.all(path).into_iter().map(|e| e.text.clone()).collect()
    }

    /// The text of the one element at `path`.
    pub fn value(&self, path: &str) -> String {
        let values = self.values(path);
        assert_eq!(values.len(), 1, "exactly one {path} in <{}>: {values:?}", self.name);
        values.into_iter().next().unwrap()
    }

    /// The component `name` in the settings of `pass` (there must be exactly one).
    pub fn component(&self, pass: &str, name: &str) -> &Element {
        let found: Vec<&Element> = self
            .all("settings")
            .into_iter()
            .filter(|s| s.attribute("pass") == Some(pass))
            .flat_map(|s| s.all("component"))
            .filter(|c| c.attribute("name") == Some(name))
            .collect();
        assert_eq!(found.len(), 1, "exactly one {name} in {pass}");
        found[0]
    }
}
