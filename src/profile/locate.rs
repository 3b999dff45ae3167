//! Finding a profile field's place in the file, so that a finding about a value can point at its line.

use std::ops::Range;
use toml_edit::{Document, Item, Table, Value};

/// The byte range of the value at `field` (a dotted path such as `accounts.operators[1].name`) in `text`.
///
/// Returns `None` when the field is absent (a missing key has no place; the finding then names the field).
pub fn locate(text: &str, field: &str) -> Option<Range<usize>> {
    let document = Document::parse(text).ok()?;
    let mut node = Node::Table(document.as_table());
    for segment in segments(field) {
        node = node.child(segment)?;
    }
    node.span()
}

/// A borrowed step of the walk: toml_edit keeps standard tables, items and inline values as distinct types.
#[derive(Clone, Copy)]
enum Node<'a> {
    Table(&'a Table),
    Item(&'a Item),
    Value(&'a Value),
}

impl<'a> Node<'a> {
    fn child(self, segment: Segment<'_>) -> Option<Node<'a>> {
        match (self, segment) {
            (Node::Table(table), Segment::Key(key)) => table.get(key).map(Node::Item),
            (Node::Item(Item::Table(table)), Segment::Key(key)) => table.get(key).map(Node::Item),
            (Node::Item(Item::Value(value)), segment) | (Node::Value(value), segment) => match (value, segment) {
                (Value::InlineTable(table), Segment::Key(key)) => table.get(key).map(Node::Value),
                (Value::Array(array), Segment::Index(index)) => array.get(index).map(Node::Value),
                _ => None,
            },
            (Node::Item(Item::ArrayOfTables(tables)), Segment::Index(index)) => tables.get(index).map(Node::Table),
            _ => None,
        }
    }

    fn span(self) -> Option<Range<usize>> {
        match self {
            Node::Table(table) => table.span(),
            Node::Item(item) => item.span().or_else(|| item.as_table().and_then(Table::span)),
            Node::Value(value) => value.span(),
        }
    }
}

#[derive(Clone, Copy)]
enum Segment<'a> {
    Key(&'a str),
    Index(usize),
}

fn segments(field: &str) -> impl Iterator<Item = Segment<'_>> {
    field.split('.').flat_map(|part| {
        let (key, indices) = part.split_once('[').unwrap_or((part, ""));
        let indices =
            indices.split('[').filter_map(|index| index.trim_end_matches(']').parse().ok()).map(Segment::Index);
        std::iter::once(Segment::Key(key)).chain(indices)
    })
}
