//! A free-form note.

use serde::{Deserialize, Serialize};

use super::attachment::{check_attachments, Attachment};
use super::{check_line, check_list, check_text, push_search, RecordKind, RecordType};
use crate::error::{Error, Result};

/// A note: a title, a body and tags.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Note {
    /// One-line title.
    pub title: String,
    /// Free text.
    pub body: String,
    /// Tags for filtering.
    pub tags: Vec<String>,
    /// Files kept with the note (changed only by `Vault::attach` and `Vault::detach`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<Attachment>,
}

impl RecordType for Note {
    const KIND: RecordKind = RecordKind::Note;

    fn validate(&self) -> Result<()> {
        if self.title.trim().is_empty() && self.body.trim().is_empty() {
            return Err(Error::invalid("A note needs a title or a body."));
        }
        check_line("title", &self.title)?;
        check_text("body", &self.body)?;
        check_list("tags", &self.tags)?;
        check_attachments(&self.attachments)
    }

    fn title(&self) -> &str {
        if self.title.trim().is_empty() {
            self.body.lines().next().unwrap_or("")
        } else {
            &self.title
        }
    }

    fn tags(&self) -> &[String] {
        &self.tags
    }

    fn search_text(&self, out: &mut String) {
        push_search(out, &self.title);
        push_search(out, &self.body);
        for t in &self.tags {
            push_search(out, t);
        }
        for a in &self.attachments {
            push_search(out, &a.name);
        }
    }

    fn attachments(&self) -> &[Attachment] {
        &self.attachments
    }

    fn attachments_mut(&mut self) -> Option<&mut Vec<Attachment>> {
        Some(&mut self.attachments)
    }
}
