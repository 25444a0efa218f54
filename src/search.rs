//! Search across all records, from an index that lives in memory only: built after unlock,
//! updated on every save, dropped on lock. Nothing of it is ever written to disk.
//!
//! Matching is by substring on text folded to lowercase without diacritics, so it works the same
//! for Latin, Cyrillic, Arabic (harakat ignored) and Chinese, with no tokenizer to get wrong.

use std::collections::HashMap;

use memchr::memmem;
use unicode_normalization::char::{decompose_compatible, is_combining_mark};

use crate::model::{PartialDate, RecordId, RecordKind, Summary};

/// What to look for, and in which records.
#[derive(Clone, Debug, Default)]
pub struct Query {
    /// Words that must all appear (empty: every record matches).
    pub text: String,
    /// Only this kind.
    pub kind: Option<RecordKind>,
    /// Only records with this tag (case-insensitive).
    pub tag: Option<String>,
    /// Only records whose date reaches this day or later.
    pub from: Option<PartialDate>,
    /// Only records whose date starts on or before this day.
    pub to: Option<PartialDate>,
    /// At most this many results (0: no limit).
    pub limit: usize,
}

/// One search result.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Hit {
    /// The record's summary.
    #[serde(flatten)]
    pub summary: Summary,
    /// Higher is better: title matches rank first.
    pub score: u32,
}

struct Entry {
    summary: Summary,
    title: String,
    text: String,
    tags: Vec<String>,
}

/// The in-memory index.
#[derive(Default)]
pub struct SearchIndex {
    entries: Vec<Entry>,
    by_id: HashMap<RecordId, usize>,
}

/// Folds text for matching: compatibility decomposition, marks removed, lowercase. Unlock folds
/// every record, so this is on the critical path of opening a vault: ASCII and the Basic
/// Multilingual Plane go through a table built once (the full Unicode path costs about 20 ns a
/// character, the table about 1).
pub fn fold(s: &str) -> String {
    if s.is_ascii() {
        return s.to_ascii_lowercase();
    }
    let table = &*FOLD_TABLE;
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        let code = c as u32;
        if code < 0x80 {
            out.push(c.to_ascii_lowercase());
            continue;
        }
        match table.get(code as usize).copied() {
            Some(DROP) => {}
            Some(COMPLEX) | None => fold_char(c, &mut out),
            Some(folded) => out.push(char::from_u32(folded.into()).unwrap_or(c)),
        }
    }
    out
}

const DROP: u16 = 0;
const COMPLEX: u16 = 0xFFFF;

/// For every BMP character: what it folds to when that is one BMP character, `DROP` when it
/// folds to nothing (combining marks), `COMPLEX` otherwise.
static FOLD_TABLE: std::sync::LazyLock<Vec<u16>> = std::sync::LazyLock::new(|| {
    (0u32..0x1_0000)
        .map(|code| {
            let Some(c) = char::from_u32(code) else { return COMPLEX };
            let mut folded = String::new();
            fold_char(c, &mut folded);
            let mut chars = folded.chars();
            match (chars.next(), chars.next()) {
                (None, _) => DROP,
                (Some(f), None) if (f as u32) < 0xFFFF && f as u32 != 0 => f as u16,
                _ => COMPLEX,
            }
        })
        .collect()
});

fn fold_char(c: char, out: &mut String) {
    decompose_compatible(c, |d| {
        if !is_combining_mark(d) {
            out.extend(d.to_lowercase());
        }
    });
}

/// A record prepared for the index (folding done), so that preparing can run on other threads.
pub struct Prepared(Entry);

/// Folds a record's text for the index.
pub fn prepare(summary: Summary, text: &str) -> Prepared {
    Prepared(Entry {
        title: fold(&summary.title),
        text: fold(text),
        tags: summary.tags.iter().map(|t| fold(t)).collect(),
        summary,
    })
}

impl SearchIndex {
    /// Adds or replaces a record.
    pub fn upsert(&mut self, summary: Summary, text: &str) {
        self.insert(prepare(summary, text));
    }

    /// Adds or replaces a prepared record.
    pub fn insert(&mut self, Prepared(entry): Prepared) {
        match self.by_id.get(&entry.summary.id) {
            Some(&i) => self.entries[i] = entry,
            None => {
                self.by_id.insert(entry.summary.id, self.entries.len());
                self.entries.push(entry);
            }
        }
    }

    /// Removes a record.
    pub fn remove(&mut self, id: &RecordId) {
        if let Some(i) = self.by_id.remove(id) {
            self.entries.swap_remove(i);
            if let Some(moved) = self.entries.get(i) {
                self.by_id.insert(moved.summary.id, i);
            }
        }
    }

    /// The summary of one record.
    pub fn summary(&self, id: &RecordId) -> Option<&Summary> {
        self.by_id.get(id).map(|&i| &self.entries[i].summary)
    }

    /// Every id whose hex form starts with `prefix`.
    pub fn ids_with_prefix(&self, prefix: &str) -> Vec<RecordId> {
        let p = prefix.to_ascii_lowercase();
        self.entries.iter().map(|e| e.summary.id).filter(|id| id.to_string().starts_with(&p)).collect()
    }

    /// Number of records indexed.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when nothing is indexed.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Runs a query: filters first, then every folded word must occur; best first, then newest.
    pub fn search(&self, q: &Query) -> Vec<Hit> {
        self.matches(q).into_iter().map(|(summary, score)| Hit { summary: summary.clone(), score }).collect()
    }

    /// What `search` returns, borrowed: each matching record's summary and score, in the same
    /// order. Nothing is copied, so a caller that needs one page copies only that page.
    pub fn matches(&self, q: &Query) -> Vec<(&Summary, u32)> {
        let words: Vec<String> = fold(&q.text).split_whitespace().map(str::to_owned).collect();
        let finders: Vec<memmem::Finder<'_>> = words.iter().map(|w| memmem::Finder::new(w.as_bytes())).collect();
        let tag = q.tag.as_deref().map(fold);
        let mut hits: Vec<(&Summary, u32)> = self
            .entries
            .iter()
            .filter(|e| q.kind.is_none_or(|k| e.summary.kind == k))
            .filter(|e| tag.as_ref().is_none_or(|t| e.tags.iter().any(|et| et == t)))
            .filter(|e| {
                if q.from.is_none() && q.to.is_none() {
                    return true;
                }
                let date = e.summary.date.or_else(|| PartialDate::from_millis(e.summary.updated_ms));
                date.is_some_and(|d| d.overlaps(q.from.as_ref(), q.to.as_ref()))
            })
            .filter_map(|e| {
                let mut score = 1;
                for f in &finders {
                    if f.find(e.title.as_bytes()).is_some() {
                        score += 10;
                    } else if f.find(e.text.as_bytes()).is_none() {
                        return None;
                    }
                }
                Some((&e.summary, score))
            })
            .collect();
        hits.sort_by(|a, b| b.1.cmp(&a.1).then(b.0.updated_ms.cmp(&a.0.updated_ms)));
        if q.limit > 0 {
            hits.truncate(q.limit);
        }
        hits
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(title: &str, kind: RecordKind) -> Summary {
        Summary {
            id: RecordId::random(),
            kind,
            title: title.into(),
            date: None,
            tags: vec!["Urgent".into()],
            created_ms: 0,
            updated_ms: 0,
        }
    }

    #[test]
    fn folds_case_and_diacritics_in_every_script() {
        let mut idx = SearchIndex::default();
        idx.upsert(
            summary("Détention à Minsk", RecordKind::Reprisal),
            "Détention à Minsk\nАрест активиста\nمُحَمَّد\n拘留",
        );
        for q in ["detention", "MINSK", "арест", "محمد", "拘留", "minsk detention"] {
            assert_eq!(idx.search(&Query { text: q.into(), ..Default::default() }).len(), 1, "{q}");
        }
        assert!(idx.search(&Query { text: "minsk cairo".into(), ..Default::default() }).is_empty());
        assert_eq!(idx.search(&Query { tag: Some("urgent".into()), ..Default::default() }).len(), 1);
        assert!(idx.search(&Query { kind: Some(RecordKind::Note), ..Default::default() }).is_empty());
    }

    #[test]
    fn table_fold_matches_the_full_unicode_path() {
        let samples = "Ǆemal İstanbul ΣΊΣΥΦΟΣ Straße ﬁle Ⅻ ｆｕｌｌ المُحامي Полиция Ёлка 拘留 한국어 😀 café";
        let slow: String = samples.chars().fold(String::new(), |mut out, c| {
            fold_char(c, &mut out);
            out
        });
        assert_eq!(fold(samples), slow);
    }

    #[test]
    fn remove_keeps_other_entries_addressable() {
        let mut idx = SearchIndex::default();
        let a = summary("a", RecordKind::Note);
        let b = summary("b", RecordKind::Note);
        let (ida, idb) = (a.id, b.id);
        idx.upsert(a, "alpha");
        idx.upsert(b, "beta");
        idx.remove(&ida);
        assert!(idx.summary(&ida).is_none());
        assert_eq!(idx.summary(&idb).unwrap().title, "b");
        assert_eq!(idx.len(), 1);
    }
}
