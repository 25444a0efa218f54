//! A free-form note.

use serde::{Deserialize, Serialize};

use super::attachment::Attachment;
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
    /// Files kept with the note (changed only by `Vault::attach` and `Vault::detach`). Always
    /// written, even empty, so that the list exists from the record's first change and concurrent
    /// additions land in the same list.
    pub attachments: Vec<Attachment>,
    /// Ids of files removed from the note: a set that only grows, so that a removal reaches every
    /// device whatever order changes arrive in (see `vault/attachments.rs`).
    pub removed_attachments: Vec<String>,
}

impl RecordType for Note {
    const KIND: RecordKind = RecordKind::Note;

    fn validate(&self) -> Result<()> {
        if self.title.trim().is_empty() && self.body.trim().is_empty() {
            return Err(Error::invalid("A note needs a title or a body."));
        }
        check_line("title", &self.title)?;
        check_text("body", &self.body)?;
        check_list("tags", &self.tags)
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

    fn removed_attachments(&self) -> &[String] {
        &self.removed_attachments
    }

    fn files_mut(&mut self) -> Option<(&mut Vec<Attachment>, &mut Vec<String>)> {
        Some((&mut self.attachments, &mut self.removed_attachments))
    }
}
