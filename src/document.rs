//! One automerge document per record, and the mapping between a record's JSON shape and the
//! document that merges concurrent edits of it.
//!
//! Mapping rules (they decide how concurrent edits merge):
//! - objects are automerge maps, reconciled key by key, so edits of different fields both survive;
//! - long free-text fields (`TEXT_FIELDS`) are automerge text, edited by diff, so two people typing
//!   in one body both keep their words;
//! - lists of objects that carry an `id` are lists matched by id (concurrent additions both stay);
//! - lists of plain values are lists with set semantics (added at the end, removed by value,
//!   duplicates from concurrent additions dropped on read);
//! - JSON null removes a key.
//!
//! Must never: trust a document's bytes without checking its heads, or panic on what it holds.

use std::collections::BTreeSet;

use automerge::transaction::{CommitOptions, Transactable};
use automerge::{ActorId, AutoCommit, Change, ChangeHash, ObjId, ObjType, ReadDoc, ScalarValue, Value, ROOT};
use serde_json::{Map, Value as Json};

/// Fields stored as automerge text (merge character by character).
const TEXT_FIELDS: &[&str] = &["body", "description", "notes", "consequences", "outcome"];
/// Key of the root field naming the record kind; not part of the record's own fields.
const KIND_KEY: &str = "_kind";
/// Deepest nesting the hydrator follows (bounds hostile documents).
const MAX_DEPTH: usize = 16;

/// Why a document could not be used.
#[derive(Debug, thiserror::Error)]
pub enum DocError {
    /// automerge refused the bytes.
    #[error("the document does not load ({0})")]
    Load(String),
    /// The loaded document's heads are not the ones stored beside it.
    #[error("the document's heads do not match the stored ones")]
    HeadsMismatch,
    /// A change could not be applied.
    #[error("a change could not be applied ({0})")]
    Apply(String),
    /// The new value could not be written into the document.
    #[error("the document could not be updated ({0})")]
    Update(String),
}

impl From<automerge::AutomergeError> for DocError {
    fn from(e: automerge::AutomergeError) -> Self {
        DocError::Update(e.to_string())
    }
}

/// A record's automerge document.
pub struct RecordDoc {
    doc: AutoCommit,
    /// The document's fields exactly as `to_json` would return them, when known: set by
    /// `reconcile` (the document then holds what it was given), cleared by everything else that
    /// changes the document. `reconcile` compares against it instead of reading the document
    /// back, so an edit of one field reads and touches only that field.
    known: Option<Map<String, Json>>,
}

/// The actor id for edits by `device`: its public key followed by random bytes, so that two
/// handles open on one device never reuse a sequence number.
pub fn actor_for(device: &[u8; 32]) -> ActorId {
    let mut a = Vec::with_capacity(40);
    a.extend_from_slice(device);
    a.extend_from_slice(&crate::crypto::random_bytes::<8>());
    ActorId::from(a)
}

impl RecordDoc {
    /// An empty document for a new record of `kind`.
    pub fn new(kind: &str, actor: ActorId) -> Result<Self, DocError> {
        let mut doc = AutoCommit::new().with_actor(actor);
        doc.put(ROOT, KIND_KEY, kind)?;
        Ok(RecordDoc { doc, known: None })
    }

    /// Loads a saved document, applies the changes made after it was saved (`later`, raw
    /// automerge change bytes) and checks that the heads are then exactly `expected_heads`.
    pub fn load(
        bytes: &[u8],
        later: &[Vec<u8>],
        expected_heads: &[ChangeHash],
        actor: ActorId,
    ) -> Result<Self, DocError> {
        // `load` (unlike `load_incremental`) refuses truncated or partial data.
        let mut doc = AutoCommit::load(bytes).map_err(|e| DocError::Load(e.to_string()))?;
        let changes = later
            .iter()
            .map(|b| Change::from_bytes(b.clone()).map_err(|e| DocError::Apply(e.to_string())))
            .collect::<Result<Vec<_>, _>>()?;
        doc.apply_changes(changes).map_err(|e| DocError::Apply(e.to_string()))?;
        let mut heads = doc.get_heads();
        heads.sort();
        let mut expected = expected_heads.to_vec();
        expected.sort();
        if heads != expected {
            return Err(DocError::HeadsMismatch);
        }
        doc.set_actor(actor);
        Ok(RecordDoc { doc, known: None })
    }

    /// The full document, compacted but not DEFLATE-compressed: for a record-sized document,
    /// setting up DEFLATE costs more than the bytes it saves (the row is padded to a size bucket
    /// when sealed), and this runs on the save path every `FULL_DOC_EVERY` changes.
    pub fn save(&mut self) -> Vec<u8> {
        self.doc.save_nocompress()
    }

    /// The current heads.
    pub fn heads(&mut self) -> Vec<ChangeHash> {
        self.doc.get_heads()
    }

    /// A copy that edits independently under another actor, to be merged back later.
    pub fn fork(&mut self, actor: ActorId) -> RecordDoc {
        RecordDoc { doc: self.doc.fork().with_actor(actor), known: self.known.clone() }
    }

    /// Merges another copy's changes into this one; returns the changes that were new here.
    pub fn merge(&mut self, other: &mut RecordDoc) -> Result<Vec<Change>, DocError> {
        let before = self.doc.get_heads();
        self.known = None;
        self.doc.merge(&mut other.doc).map_err(|e| DocError::Apply(e.to_string()))?;
        Ok(self.doc.get_changes(&before))
    }

    /// The record's fields as JSON (everything but the kind marker).
    pub fn to_json(&self) -> Json {
        let mut obj = match hydrate(&self.doc, &ROOT, ObjType::Map, 0) {
            Json::Object(m) => m,
            _ => Map::new(),
        };
        obj.remove(KIND_KEY);
        drop_removed_files(&mut obj);
        Json::Object(obj)
    }

    /// Writes `value` (a JSON object) into the document, touching only what differs, and returns
    /// the names of the top-level fields that changed. Nothing is committed yet. Every field the
    /// document holds that `value` lacks is deleted: for a document only this build writes to.
    pub fn reconcile(&mut self, value: &Json) -> Result<BTreeSet<String>, DocError> {
        self.reconcile_keeping(value, |_| None)
    }

    /// `reconcile` for a document another build may have written to. `seen` reads the document's
    /// JSON as this build's record type would show it (`None` if it cannot); a field the
    /// document holds that this reading lacks, at the top or inside a map or a list item, is one
    /// a newer build wrote, and it is kept: `value` can only lack it because this build does not
    /// know it. Fields this build knows and `value` lacks are deleted, as in `reconcile`.
    /// Not covered: an item moved to another place in its list is written again, without them.
    pub fn reconcile_keeping(
        &mut self,
        value: &Json,
        seen: impl FnOnce(Json) -> Option<Json>,
    ) -> Result<BTreeSet<String>, DocError> {
        // With `known`, the keys written last are the only ones that can go; otherwise read
        // what this build sees of the document.
        let seen = if self.known.is_none() { seen(self.to_json()) } else { None };
        // Lists are written without their later duplicates, so that what the document holds
        // does not depend on what it held before (see `normalized`).
        let Json::Object(map) = normalized(value) else {
            return Err(DocError::Update("a record must be an object".into()));
        };
        // Taken, not borrowed: if writing stops half way, what the document holds is unknown.
        let known = self.known.take();
        // (Fields a newer build wrote are in the document and not in `known`.)
        debug_assert!(
            known.as_ref().is_none_or(|k| {
                let k = Json::Object(k.clone());
                k == without_unknown(&self.to_json(), &k)
            }),
            "the known fields drifted from the document"
        );
        let mut changed = BTreeSet::new();
        let at = Level { known: known.as_ref(), seen: seen.as_ref().and_then(Json::as_object) };
        reconcile_map(&mut self.doc, &ROOT, &map, at, None, &mut changed, true)?;
        self.known = Some(map);
        Ok(changed)
    }

    /// Commits pending edits as one change labelled with the fields it touched.
    pub fn commit(&mut self, fields: &BTreeSet<String>, time_ms: i64) -> Option<Change> {
        let message = fields.iter().cloned().collect::<Vec<_>>().join(",");
        self.doc.commit_with(CommitOptions::default().with_message(message).with_time(time_ms))?;
        self.doc.get_last_local_change()
    }

    /// Drops edits that were not committed.
    pub fn rollback(&mut self) {
        self.known = None;
        self.doc.rollback();
    }

    /// An empty document to receive a record's changes from another device.
    pub fn empty(actor: ActorId) -> Self {
        RecordDoc { doc: AutoCommit::new().with_actor(actor), known: None }
    }

    /// Applies raw change bytes received from another device (already verified and decrypted).
    /// The bytes are still treated as hostile: a parse failure or a panic inside automerge is an
    /// error, never a crash.
    pub fn apply_received(&mut self, changes: &[Vec<u8>]) -> Result<(), DocError> {
        let parsed = changes
            .iter()
            .map(|b| Change::from_bytes(b.clone()).map_err(|e| DocError::Apply(e.to_string())))
            .collect::<Result<Vec<_>, _>>()?;
        self.known = None;
        let doc = &mut self.doc;
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| doc.apply_changes(parsed)))
            .map_err(|_| DocError::Apply("automerge stopped on this change".into()))?
            .map_err(|e| DocError::Apply(e.to_string()))
    }

    /// The record kind the document names, once its first change is present.
    pub fn kind_name(&self) -> Option<String> {
        match self.doc.get(ROOT, KIND_KEY) {
            Ok(Some((Value::Scalar(s), _))) => match s.as_ref() {
                ScalarValue::Str(k) => Some(k.to_string()),
                _ => None,
            },
            _ => None,
        }
    }

    /// True when some applied change waits for another that has not arrived.
    pub fn waits_for_changes(&mut self) -> bool {
        !self.doc.get_missing_deps(&[]).is_empty()
    }

    /// Every change's raw bytes, in causal order (to re-seal a record for another space).
    pub fn all_change_bytes(&mut self) -> Vec<Vec<u8>> {
        self.doc.get_changes(&[]).iter().map(|c| c.raw_bytes().to_vec()).collect()
    }

    /// The earliest and latest change times (ms), or `None` for an empty document.
    pub fn time_span(&mut self) -> Option<(i64, i64)> {
        let times: Vec<i64> = self.doc.get_changes(&[]).iter().map(|c| c.timestamp()).collect();
        Some((*times.iter().min()?, *times.iter().max()?))
    }

    /// Every change in causal order: (author actor bytes, time ms, fields touched).
    pub fn history(&mut self) -> Vec<(Vec<u8>, i64, Vec<String>)> {
        self.doc
            .get_changes(&[])
            .iter()
            .map(|c| {
                let fields = c
                    .message()
                    .map(|m| {
                        m.split(',').filter(|s| !s.is_empty()).take(64).map(|s| s.chars().take(64).collect()).collect()
                    })
                    .unwrap_or_default();
                (c.actor_id().to_bytes().to_vec(), c.timestamp(), fields)
            })
            .collect()
    }
}

fn hydrate(doc: &AutoCommit, obj: &ObjId, typ: ObjType, depth: usize) -> Json {
    if depth > MAX_DEPTH {
        return Json::Null;
    }
    match typ {
        ObjType::Map | ObjType::Table => {
            let mut m = Map::new();
            for key in doc.keys(obj) {
                if depth == 0 && UNION_LISTS.contains(&key.as_str()) {
                    if let Some(list) = union_of_lists(doc, obj, &key, depth) {
                        m.insert(key, list);
                        continue;
                    }
                }
                if let Ok(Some((v, id))) = doc.get(obj, key.as_str()) {
                    m.insert(key, value_to_json(doc, v, &id, depth));
                }
            }
            Json::Object(m)
        }
        ObjType::List => {
            let mut items = Vec::new();
            for item in doc.list_range(obj, ..) {
                let id = item.id();
                let j = value_to_json(doc, Value::from(item.value), &id, depth);
                // Set semantics for plain values: concurrent additions of the same value collapse.
                if j.is_object() || !items.contains(&j) {
                    items.push(j);
                }
            }
            Json::Array(items)
        }
        ObjType::Text => Json::String(doc.text(obj).unwrap_or_default()),
    }
}

/// The record's lists that only `Vault::attach` and `detach` write, and only by adding items
/// (a removal is an id added to `removed_attachments`): for these, two lists two devices created
/// at once (a record older than files) are shown as their union, so that no file is lost; the next
/// write puts the missing items into the list that won. Other lists keep automerge's winner:
/// a union there would bring back an item a user removed from the winning list.
const UNION_LISTS: [&str; 2] = ["attachments", "removed_attachments"];

/// The union of a key's conflicting lists, or `None` when it holds one value (or not lists).
fn union_of_lists(doc: &AutoCommit, obj: &ObjId, key: &str, depth: usize) -> Option<Json> {
    let all = doc.get_all(obj, key).unwrap_or_default();
    if all.len() < 2 || !all.iter().all(|(v, _)| matches!(v, Value::Object(ObjType::List))) {
        return None;
    }
    let mut seen = std::collections::HashSet::new();
    let mut items: Vec<Json> = Vec::new();
    for (v, id) in all {
        if let Json::Array(list) = value_to_json(doc, v, &id, depth) {
            for item in list {
                // Objects are the same item when their ids are; plain values when equal.
                let key = item.get("id").cloned().unwrap_or_else(|| item.clone()).to_string();
                if seen.insert(key) {
                    items.push(item);
                }
            }
        }
    }
    Some(Json::Array(items))
}

/// Leaves out of a record's `attachments` the files its `removed_attachments` names: a removal
/// is final even where a concurrent write still holds the file's description (see
/// `vault/attachments.rs`).
fn drop_removed_files(obj: &mut Map<String, Json>) {
    let Some(Json::Array(removed)) = obj.get("removed_attachments") else { return };
    if removed.is_empty() {
        return;
    }
    let removed: Vec<Json> = removed.clone();
    if let Some(Json::Array(files)) = obj.get_mut("attachments") {
        files.retain(|f| !f.get("id").is_some_and(|id| removed.contains(id)));
    }
}

fn value_to_json(doc: &AutoCommit, v: Value<'_>, id: &ObjId, depth: usize) -> Json {
    match v {
        Value::Object(t) => hydrate(doc, id, t, depth + 1),
        Value::Scalar(s) => scalar_to_json(&s),
    }
}

fn scalar_to_json(s: &ScalarValue) -> Json {
    match s {
        ScalarValue::Str(s) => Json::String(s.to_string()),
        ScalarValue::Int(i) => Json::from(*i),
        ScalarValue::Uint(u) => Json::from(*u),
        ScalarValue::F64(f) => serde_json::Number::from_f64(*f).map(Json::Number).unwrap_or(Json::Null),
        ScalarValue::Boolean(b) => Json::Bool(*b),
        ScalarValue::Counter(c) => Json::from(i64::from(c)),
        ScalarValue::Timestamp(t) => Json::from(*t),
        _ => Json::Null,
    }
}

fn json_to_scalar(j: &Json) -> Option<ScalarValue> {
    Some(match j {
        Json::Bool(b) => ScalarValue::Boolean(*b),
        Json::String(s) => ScalarValue::Str(s.as_str().into()),
        Json::Number(n) => {
            if let Some(i) = n.as_i64() {
                ScalarValue::Int(i)
            } else if let Some(u) = n.as_u64() {
                ScalarValue::Uint(u)
            } else {
                ScalarValue::F64(n.as_f64()?)
            }
        }
        _ => return None,
    })
}

fn mark(changed: &mut BTreeSet<String>, top: Option<&str>, key: &str) {
    changed.insert(top.unwrap_or(key).to_owned());
}

/// Writes `new` into the map `obj`. `known`, when given, is exactly what the map holds now (as
/// `to_json` shows it): fields equal there are skipped without reading the document, and a text
/// field's old value is taken from it.
/// What is known of one map of a document before `reconcile` writes it: `known`, the fields last
/// written there (equal to what it holds); `seen`, what this build's record type shows of it.
/// A field that neither names is one this build does not know, and it is never deleted.
#[derive(Clone, Copy, Default)]
struct Level<'a> {
    known: Option<&'a Map<String, Json>>,
    seen: Option<&'a Map<String, Json>>,
}

static NO_FIELDS: std::sync::LazyLock<Map<String, Json>> = std::sync::LazyLock::new(Map::new);

impl<'a> Level<'a> {
    /// The typed reading of this map, if there is one.
    fn shown(&self) -> Option<&'a Map<String, Json>> {
        self.known.or(self.seen)
    }

    /// What this build shows of `key` here: `None` when nothing says, `Some(Null)` when the
    /// reading exists and lacks it.
    fn shown_at(&self, key: &str) -> Option<&'a Json> {
        static NULL: Json = Json::Null;
        self.shown().map(|m| m.get(key).unwrap_or(&NULL))
    }
}

/// The level of a map found at `shown` (a map, or absent from a reading that exists).
fn level_of<'a>(shown: Option<&'a Json>, known: Option<&'a Map<String, Json>>) -> Level<'a> {
    match (known, shown) {
        (Some(k), _) => Level { known: Some(k), seen: None },
        (None, Some(v)) => Level { known: None, seen: Some(v.as_object().unwrap_or(&NO_FIELDS)) },
        (None, None) => Level::default(),
    }
}

fn reconcile_map(
    doc: &mut AutoCommit,
    obj: &ObjId,
    new: &Map<String, Json>,
    at: Level<'_>,
    top: Option<&str>,
    changed: &mut BTreeSet<String>,
    is_root: bool,
) -> Result<(), DocError> {
    let known = at.known;
    let existing: Vec<String> = match (known, at.seen) {
        (Some(k), _) => k.keys().cloned().collect(),
        (None, Some(seen)) => doc.keys(obj).filter(|k| seen.contains_key(k)).collect(),
        (None, None) => doc.keys(obj).collect(),
    };
    for key in existing {
        if is_root && key == KIND_KEY {
            continue;
        }
        if new.get(&key).is_none_or(Json::is_null) {
            doc.delete(obj, key.as_str())?;
            mark(changed, top, &key);
        }
    }
    for (key, value) in new {
        if value.is_null() {
            continue;
        }
        let was = known.and_then(|k| k.get(key));
        if was == Some(value) {
            continue;
        }
        let top_here = top.unwrap_or(key);
        let current = doc.get(obj, key.as_str())?;
        match value {
            Json::Object(m) => {
                let (id, inner) = match current {
                    Some((Value::Object(ObjType::Map), id)) => (id, was.and_then(Json::as_object)),
                    _ => {
                        mark(changed, top, key);
                        (doc.put_object(obj, key.as_str(), ObjType::Map)?, None)
                    }
                };
                let shown = if inner.is_some() { None } else { at.shown_at(key) };
                reconcile_map(doc, &id, m, level_of(shown, inner), Some(top_here), changed, false)?;
            }
            Json::Array(items) => {
                let id = match current {
                    Some((Value::Object(ObjType::List), id)) => id,
                    _ => {
                        mark(changed, top, key);
                        doc.put_object(obj, key.as_str(), ObjType::List)?
                    }
                };
                let shown = at.shown_at(key).map(|v| v.as_array().map(Vec::as_slice).unwrap_or(&[]));
                reconcile_list(doc, &id, items, shown, top_here, changed)?;
            }
            Json::String(s) if TEXT_FIELDS.contains(&key.as_str()) => match current {
                Some((Value::Object(ObjType::Text), id)) => {
                    let old = match was {
                        Some(Json::String(old)) => std::borrow::Cow::Borrowed(old.as_str()),
                        _ => std::borrow::Cow::Owned(doc.text(&id)?),
                    };
                    if *old != *s {
                        splice_difference(doc, &id, &old, s)?;
                        mark(changed, top, key);
                    }
                }
                _ => {
                    let id = doc.put_object(obj, key.as_str(), ObjType::Text)?;
                    doc.splice_text(&id, 0, 0, s)?;
                    mark(changed, top, key);
                }
            },
            scalar => {
                let Some(new_scalar) = json_to_scalar(scalar) else { continue };
                let same = matches!(&current, Some((Value::Scalar(old), _)) if scalar_to_json(old) == *scalar);
                if !same {
                    doc.put(obj, key.as_str(), new_scalar)?;
                    mark(changed, top, key);
                }
            }
        }
    }
    Ok(())
}

/// Inserts one list item (an object, reconciled field by field, or a plain value) at `at`;
/// false when the value cannot be stored (null), so nothing was inserted.
fn insert_item(
    doc: &mut AutoCommit,
    list: &ObjId,
    at: usize,
    value: &Json,
    top: &str,
    changed: &mut BTreeSet<String>,
) -> Result<bool, DocError> {
    match value {
        Json::Object(m) => {
            let id = doc.insert_object(list, at, ObjType::Map)?;
            reconcile_map(doc, &id, m, Level::default(), Some(top), changed, false)?;
        }
        other => match json_to_scalar(other) {
            Some(s) => doc.insert(list, at, s)?,
            None => return Ok(false),
        },
    }
    changed.insert(top.to_owned());
    Ok(true)
}

/// Turns `old` into `new` with one splice over the part between their common prefix and suffix.
/// An editor changes one place at a time, so this is the user's edit itself; it costs O(n),
/// where a full diff (`update_text`) costs far more on long texts.
fn splice_difference(doc: &mut AutoCommit, text: &ObjId, old: &str, new: &str) -> Result<(), DocError> {
    let old: Vec<char> = old.chars().collect();
    let new: Vec<char> = new.chars().collect();
    let prefix = old.iter().zip(&new).take_while(|(a, b)| a == b).count();
    let max_suffix = old.len().min(new.len()) - prefix;
    let suffix = old.iter().rev().zip(new.iter().rev()).take(max_suffix).take_while(|(a, b)| a == b).count();
    let deleted = old.len() - prefix - suffix;
    let inserted: String = new[prefix..new.len() - suffix].iter().collect();
    doc.splice_text(text, prefix, deleted as isize, &inserted)?;
    Ok(())
}

fn item_id(v: &Json) -> Option<&str> {
    v.as_object()?.get("id")?.as_str()
}

/// `doc` (a document's fields) without what `shown` (this build's reading of it) lacks: the
/// fields a newer build wrote, in maps and in list items matched by id.
pub fn without_unknown(doc: &Json, shown: &Json) -> Json {
    match (doc, shown) {
        (Json::Object(d), Json::Object(s)) => {
            Json::Object(d.iter().filter_map(|(k, v)| s.get(k).map(|sv| (k.clone(), without_unknown(v, sv)))).collect())
        }
        (Json::Array(d), Json::Array(s)) => Json::Array(
            d.iter()
                .map(|v| match s.iter().find(|x| item_id(x).is_some() && item_id(x) == item_id(v)) {
                    Some(sv) => without_unknown(v, sv),
                    None => v.clone(),
                })
                .collect(),
        ),
        _ => doc.clone(),
    }
}

/// Rewrites `value` the way `RecordDoc::reconcile` stores it, without a document: every list loses
/// its later duplicates (items of a keyed list with the same id keep the first one's place and
/// the last one's fields). After `reconcile(v)`, `to_json()` equals `normalized(v)`, so a value
/// can be shown as stored before automerge has run.
pub fn normalized(value: &Json) -> Json {
    match value {
        Json::Object(m) => {
            Json::Object(m.iter().filter(|(_, v)| !v.is_null()).map(|(k, v)| (k.clone(), normalized(v))).collect())
        }
        Json::Array(items) => {
            let keyed = !items.is_empty() && items.iter().all(|v| item_id(v).is_some());
            let mut out: Vec<Json> = Vec::with_capacity(items.len());
            for item in items.iter().filter(|v| !v.is_null()) {
                let item = normalized(item);
                let at = if keyed {
                    out.iter().position(|o| item_id(o) == item_id(&item))
                } else {
                    out.iter().position(|o| *o == item)
                };
                match at {
                    Some(i) => out[i] = item,
                    None => out.push(item),
                }
            }
            Json::Array(out)
        }
        other => other.clone(),
    }
}

/// Three-way merge for an editor's save. `base` is the record as the editor showed it, `edited`
/// what the editor saves, `current` what is stored now (a sync, another window or the tree screen
/// may have changed it meanwhile); all three `normalized`. What the editor left as it was takes
/// `current`; what it changed takes the editor's value, so nothing that reached the record
/// meanwhile is dropped unless the editor changed that very thing:
/// - maps merge key by key;
/// - lists of items with an `id` merge item by item (the editor's removals and additions applied
///   to `current`'s order; an item removed elsewhere stays removed unless the editor changed it);
/// - other lists merge as sets (the editor's removals and additions applied to `current`);
/// - text both sides changed merges line by line (`diffy`, as `git merge` does); where the same
///   or neighbouring lines changed, or for any other value both changed, the editor's wins.
///
/// `overwrote` is set when the editor's value replaced a change made elsewhere (a conflict).
pub fn merge3(base: &Json, edited: &Json, current: &Json, overwrote: &mut bool) -> Json {
    if edited == base {
        return current.clone();
    }
    if current == base || current == edited {
        return edited.clone();
    }
    match (base, edited, current) {
        (Json::Object(b), Json::Object(e), Json::Object(c)) => {
            let mut out = Map::new();
            for k in c.keys().chain(e.keys().filter(|k| !c.contains_key(*k))) {
                let at = |m: &Map<String, Json>| m.get(k).cloned().unwrap_or(Json::Null);
                let merged = merge3(&at(b), &at(e), &at(c), overwrote);
                if !merged.is_null() {
                    out.insert(k.clone(), merged);
                }
            }
            Json::Object(out)
        }
        (Json::Array(b), Json::Array(e), Json::Array(c)) => Json::Array(merge_lists(b, e, c, overwrote)),
        (Json::String(b), Json::String(e), Json::String(c)) => Json::String(merge_text(b, e, c).unwrap_or_else(|| {
            *overwrote = true;
            e.clone()
        })),
        _ => {
            *overwrote = true;
            edited.clone()
        }
    }
}

/// Line-by-line merge of a text changed on both sides; `None` where the same lines changed.
/// A form sends its text without a final line break: one is added to all three for the merge
/// (so a line added at the end is not a conflict with an edit of the line before), and taken
/// off again unless the editor's text had it.
fn merge_text(b: &str, e: &str, c: &str) -> Option<String> {
    let ended = |t: &str| if t.ends_with('\n') { t.to_owned() } else { format!("{t}\n") };
    let mut merged = diffy::merge(&ended(b), &ended(e), &ended(c)).ok()?;
    if !e.ends_with('\n') {
        merged.pop();
    }
    Some(merged)
}

fn merge_lists(b: &[Json], e: &[Json], c: &[Json], overwrote: &mut bool) -> Vec<Json> {
    let mut all = b.iter().chain(e).chain(c).peekable();
    let keyed = all.peek().is_some() && all.all(|v| item_id(v).is_some());
    if !keyed {
        let mut out: Vec<Json> = c.iter().filter(|v| !b.contains(v) || e.contains(v)).cloned().collect();
        for v in e {
            if !b.contains(v) && !out.contains(v) {
                out.push(v.clone());
            }
        }
        return out;
    }
    let find = |list: &'_ [Json], id: Option<&str>| list.iter().find(|v| item_id(v) == id).cloned();
    let mut out = Vec::with_capacity(c.len().max(e.len()));
    for cur in c {
        let id = item_id(cur);
        match (find(b, id), find(e, id)) {
            // The editor removed it (a change made to it elsewhere goes with it).
            (Some(base), None) => *overwrote |= base != *cur,
            (base, Some(ed)) => out.push(merge3(&base.unwrap_or(Json::Null), &ed, cur, overwrote)),
            // Added elsewhere.
            (None, None) => out.push(cur.clone()),
        }
    }
    for ed in e {
        let id = item_id(ed);
        if c.iter().any(|v| item_id(v) == id) {
            continue;
        }
        match find(b, id) {
            // Removed elsewhere, and the editor did not change it: it stays removed.
            Some(base) if base == *ed => {}
            // Changed by the editor while removed elsewhere: back, with the editor's fields.
            Some(_) => {
                *overwrote = true;
                out.push(ed.clone());
            }
            // Added by the editor.
            None => out.push(ed.clone()),
        }
    }
    out
}

fn reconcile_list(
    doc: &mut AutoCommit,
    list: &ObjId,
    new: &[Json],
    shown: Option<&[Json]>,
    top: &str,
    changed: &mut BTreeSet<String>,
) -> Result<(), DocError> {
    let keyed = !new.is_empty() && new.iter().all(|v| item_id(v).is_some());
    // What the list holds now, as ids (keyed lists) or plain JSON values.
    let mut current: Vec<Json> = doc
        .list_range(list, ..)
        .map(|item| (item.id(), Value::from(item.value)))
        .map(|(item_obj, value)| match value {
            Value::Object(ObjType::Map) => {
                let id = doc.get(&item_obj, "id").ok().flatten();
                match id {
                    Some((Value::Scalar(s), _)) => Json::String(s.as_str().unwrap_or_default().to_owned()),
                    _ => Json::Null,
                }
            }
            Value::Object(_) => Json::Null,
            Value::Scalar(s) => scalar_to_json(&s),
        })
        .collect();
    let wanted: Vec<Json> = if keyed {
        new.iter().map(|v| Json::String(item_id(v).unwrap_or_default().to_owned())).collect()
    } else {
        new.to_vec()
    };
    // Remove what is no longer wanted (from the end so indexes stay valid), and duplicates.
    let mut seen = Vec::new();
    for i in (0..current.len()).rev() {
        let v = &current[i];
        let dup_later = seen.contains(v);
        if !wanted.contains(v) || dup_later || v.is_null() {
            doc.delete(list, i)?;
            current.remove(i);
            changed.insert(top.to_owned());
        } else {
            seen.push(v.clone());
        }
    }
    for (i, (key, value)) in wanted.iter().zip(new).enumerate() {
        match current.iter().position(|c| c == key) {
            Some(at) if keyed => {
                let Some(Json::Object(m)) = Some(value) else { continue };
                if let Some((Value::Object(ObjType::Map), id)) = doc.get(list, at)? {
                    // The item as this build shows it: its fields a newer build wrote stay.
                    let seen =
                        shown.map(|items| items.iter().find(|v| item_id(v) == item_id(value)).unwrap_or(&Json::Null));
                    reconcile_map(doc, &id, m, level_of(seen, None), Some(top), changed, false)?;
                }
            }
            Some(_) => {}
            None => {
                let at = i.min(current.len());
                if insert_item(doc, list, at, value, top, changed)? {
                    current.insert(at, key.clone());
                }
            }
        }
    }
    // Reorder what is out of place: an item moved by the user is deleted and written again at
    // its new index (a move is not an automerge operation).
    let mut order: Vec<(&Json, &Json)> = Vec::new();
    for (key, value) in wanted.iter().zip(new) {
        if !order.iter().any(|(k, _)| *k == key) {
            order.push((key, value));
        }
    }
    for (i, (key, value)) in order.into_iter().enumerate() {
        if current.get(i) == Some(key) {
            continue;
        }
        let Some(from) = current.iter().skip(i + 1).position(|c| c == key).map(|p| p + i + 1) else { continue };
        doc.delete(list, from)?;
        current.remove(from);
        changed.insert(top.to_owned());
        if insert_item(doc, list, i, value, top, changed)? {
            current.insert(i, key.clone());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn actor() -> ActorId {
        actor_for(&[7u8; 32])
    }

    #[test]
    fn reconcile_round_trips_and_reports_changed_fields() {
        let mut d = RecordDoc::new("note", actor()).unwrap();
        let v = json!({"title": "t", "body": "hello", "tags": ["a", "b"], "acts": [{"id": "x", "n": 1}]});
        let changed = d.reconcile(&v).unwrap();
        assert_eq!(changed.len(), 4);
        d.commit(&changed, 1).unwrap();
        assert_eq!(d.to_json(), v);
        let v2 = json!({"title": "t", "body": "hello world", "tags": ["b", "c"], "acts": [{"id": "x", "n": 2}]});
        let changed = d.reconcile(&v2).unwrap();
        assert_eq!(changed.into_iter().collect::<Vec<_>>(), vec!["acts", "body", "tags"]);
        assert_eq!(d.to_json(), v2);
        assert!(d.reconcile(&v2).unwrap().is_empty(), "an unchanged value writes nothing");
        // Duplicates: what the document holds is what `normalized` predicts.
        let v3 = json!({"title": "t", "body": "b", "tags": ["c", "b", "c", "b", "d"],
            "acts": [{"id": "x", "n": 3}, {"id": "y", "n": 1}, {"id": "x", "n": 4, "m": [1, 1, 2]}]});
        let changed = d.reconcile(&v3).unwrap();
        d.commit(&changed, 3).unwrap();
        assert_eq!(d.to_json(), normalized(&v3));
        assert_eq!(normalized(&v3)["tags"], json!(["c", "b", "d"]));
        assert_eq!(normalized(&v3)["acts"], json!([{"id": "x", "n": 4, "m": [1, 2]}, {"id": "y", "n": 1}]));
    }

    /// A random record-like value: text fields, plain strings, tags with repeats, keyed lists
    /// whose ids repeat, nested objects and lists, and nulls.
    fn random_value(rng: &mut rand::rngs::StdRng) -> Json {
        use rand::Rng;
        let words = ["a", "b", "ç", "д", "ب", "字", "", "a b"];
        let word = |rng: &mut rand::rngs::StdRng| words[rng.gen_range(0..words.len())].to_string();
        let mut text = String::new();
        for _ in 0..rng.gen_range(0..6) {
            text.push_str(&word(rng));
            text.push(' ');
        }
        let tags: Vec<Json> = (0..rng.gen_range(0..5)).map(|_| Json::String(word(rng))).collect();
        let acts: Vec<Json> = (0..rng.gen_range(0..4))
            .map(|_| {
                let nums: Vec<Json> = (0..rng.gen_range(0..4)).map(|_| json!(rng.gen_range(0..3))).collect();
                let id = ["x", "y", "z"][rng.gen_range(0..3)];
                let mut item = json!({"id": id, "n": rng.gen_range(0..3), "m": nums});
                if rng.gen_bool(0.3) {
                    item["place"] = json!({"country": word(rng), "region": null});
                }
                item
            })
            .collect();
        let mut v = json!({"title": word(rng), "body": text, "tags": tags, "acts": acts});
        if rng.gen_bool(0.3) {
            v["notes"] = Json::Null;
        }
        if rng.gen_bool(0.5) {
            v["consent"] = json!({"given": rng.gen_bool(0.5), "scope": [word(rng), word(rng)]});
        }
        v
    }

    #[test]
    fn after_any_reconcile_the_document_holds_what_normalized_predicts() {
        use rand::SeedableRng;
        // The journal writer relies on this to store the acknowledged value as the view row.
        let mut rng = rand::rngs::StdRng::seed_from_u64(0x5eed);
        for case in 0..300 {
            let mut d = RecordDoc::new("reprisal", actor()).unwrap();
            for step in 0..6 {
                let v = random_value(&mut rng);
                // The journal writer reconciles normalised values; drafts may hold raw ones.
                let given = if step % 2 == 0 { normalized(&v) } else { v.clone() };
                let changed = d.reconcile(&given).unwrap();
                d.commit(&changed, step);
                assert_eq!(d.to_json(), normalized(&v), "case {case}, step {step}: {v}");
                let again = d.reconcile(&normalized(&v)).unwrap();
                assert!(again.is_empty(), "case {case}, step {step}: saving the stored value again changes {again:?}");
            }
        }
    }

    #[test]
    fn reconciling_against_the_known_fields_changes_what_a_fresh_read_would() {
        use rand::SeedableRng;
        // `d` keeps its known fields between edits; `fresh` is the same document loaded from
        // bytes before each edit, so it reads every field back from automerge.
        let mut rng = rand::rngs::StdRng::seed_from_u64(0xc0ffee);
        for case in 0..200 {
            let mut d = RecordDoc::new("reprisal", actor()).unwrap();
            for step in 0..6 {
                let v = normalized(&random_value(&mut rng));
                let heads = d.heads();
                let mut fresh = RecordDoc::load(&d.save(), &[], &heads, actor()).unwrap();
                let by_known = d.reconcile(&v).unwrap();
                let by_reading = fresh.reconcile(&v).unwrap();
                assert_eq!(by_known, by_reading, "case {case}, step {step}");
                d.commit(&by_known, step);
                assert_eq!(d.to_json(), fresh.to_json(), "case {case}, step {step}");
            }
        }
    }

    #[test]
    fn a_list_two_devices_created_at_once_shows_the_items_of_both_and_a_removed_file_stays_removed() {
        // A record written before it had files: no `attachments` list yet.
        let mut a = RecordDoc::new("note", actor()).unwrap();
        let c = a.reconcile(&json!({"title": "t"})).unwrap();
        a.commit(&c, 1);
        let mut b = a.fork(actor_for(&[8u8; 32]));
        let c = a.reconcile(&json!({"title": "t", "attachments": [{"id": "aa"}]})).unwrap();
        a.commit(&c, 2);
        let c = b.reconcile(&json!({"title": "t", "attachments": [{"id": "bb"}]})).unwrap();
        b.commit(&c, 3);
        a.merge(&mut b).unwrap();
        b.merge(&mut a).unwrap();
        let ids = |d: &RecordDoc| {
            let mut v: Vec<String> = d.to_json()["attachments"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f["id"].as_str().unwrap().to_owned())
                .collect();
            v.sort();
            v
        };
        assert_eq!(ids(&a), ["aa", "bb"]);
        assert_eq!(ids(&b), ["aa", "bb"]);
        // The next write puts both into the list that won; the union stays the same.
        let shown = a.to_json();
        let c = a.reconcile(&shown).unwrap();
        a.commit(&c, 4);
        assert_eq!(ids(&a), ["aa", "bb"]);
        // Removing one (its id in `removed_attachments`) hides it even where the losing list
        // still holds it.
        let c =
            a.reconcile(&json!({"title": "t", "attachments": [{"id": "bb"}], "removed_attachments": ["aa"]})).unwrap();
        a.commit(&c, 5);
        assert_eq!(ids(&a), ["bb"]);
        b.merge(&mut a).unwrap();
        assert_eq!(ids(&b), ["bb"]);

        // Other lists keep automerge's winner: a tag removed from the winning list stays removed.
        let mut c = RecordDoc::new("note", actor()).unwrap();
        let ch = c.reconcile(&json!({"title": "t"})).unwrap();
        c.commit(&ch, 1);
        let mut d = c.fork(actor_for(&[8u8; 32]));
        let ch = c.reconcile(&json!({"title": "t", "tags": ["x"]})).unwrap();
        c.commit(&ch, 2);
        let ch = d.reconcile(&json!({"title": "t", "tags": ["y"]})).unwrap();
        d.commit(&ch, 3);
        c.merge(&mut d).unwrap();
        let tags = c.to_json()["tags"].clone();
        assert_eq!(tags.as_array().map(Vec::len), Some(1), "one list shown: {tags}");
        let ch = c.reconcile(&json!({"title": "t", "tags": []})).unwrap();
        c.commit(&ch, 4);
        assert_eq!(c.to_json()["tags"], json!([]));
    }

    #[test]
    fn merging_or_rolling_back_forgets_the_known_fields() {
        let mut a = RecordDoc::new("note", actor()).unwrap();
        let c = a.reconcile(&json!({"title": "t", "body": "one", "tags": ["x"]})).unwrap();
        a.commit(&c, 1);
        let mut b = a.fork(actor());
        let c = b.reconcile(&json!({"title": "t", "body": "one two", "tags": ["x", "y"]})).unwrap();
        b.commit(&c, 2);
        a.merge(&mut b).unwrap();
        // Known fields still saying "one" would make this a no-op; the merged body is "one two".
        let c = a.reconcile(&json!({"title": "t", "body": "one", "tags": ["x"]})).unwrap();
        assert_eq!(c, ["body", "tags"].iter().map(|s| s.to_string()).collect());
        a.commit(&c, 3);
        assert_eq!(a.to_json(), json!({"title": "t", "body": "one", "tags": ["x"]}));
        // A rolled-back edit leaves the document as it was, whatever `reconcile` was given.
        a.reconcile(&json!({"title": "other", "body": "one", "tags": ["x"]})).unwrap();
        a.rollback();
        let c = a.reconcile(&json!({"title": "t", "body": "one", "tags": ["x"]})).unwrap();
        assert!(c.is_empty(), "{c:?}");
        // Changes received from another device, likewise.
        let mut e = a.fork(actor());
        let c = e.reconcile(&json!({"title": "from e", "body": "one", "tags": ["x"]})).unwrap();
        let change = e.commit(&c, 4).unwrap();
        a.apply_received(&[change.raw_bytes().to_vec()]).unwrap();
        let c = a.reconcile(&json!({"title": "t", "body": "one", "tags": ["x"]})).unwrap();
        assert_eq!(c, ["title"].iter().map(|s| s.to_string()).collect());
    }

    #[test]
    fn concurrent_edits_of_different_fields_and_one_text_merge() {
        let mut base = RecordDoc::new("note", actor()).unwrap();
        let v = json!({"title": "t", "body": "The quick fox", "tags": ["a"]});
        let c = base.reconcile(&v).unwrap();
        base.commit(&c, 1);
        let mut a = base.fork(actor());
        let mut b = base.fork(actor());
        let c = a.reconcile(&json!({"title": "new title", "body": "The quick brown fox", "tags": ["a", "x"]})).unwrap();
        a.commit(&c, 2);
        let c = b.reconcile(&json!({"title": "t", "body": "The quick fox jumps", "tags": ["a", "y"]})).unwrap();
        b.commit(&c, 3);
        a.merge(&mut b).unwrap();
        let merged = a.to_json();
        assert_eq!(merged["title"], "new title");
        assert_eq!(merged["body"], "The quick brown fox jumps");
        let tags: BTreeSet<_> = merged["tags"].as_array().unwrap().iter().map(|t| t.as_str().unwrap()).collect();
        assert_eq!(tags, ["a", "x", "y"].into_iter().collect());
    }

    #[test]
    fn text_edits_anywhere_round_trip() {
        let mut d = RecordDoc::new("note", actor()).unwrap();
        for body in ["", "abc", "xabcx", "xbx", "ذهب إلى القاهرة", "ذهب القاهرة اليوم", "aaaa", "aa", "", "日本語"]
        {
            let c = d.reconcile(&json!({"body": body})).unwrap();
            d.commit(&c, 1);
            assert_eq!(d.to_json()["body"], body);
        }
    }

    #[test]
    fn load_refuses_wrong_heads_and_garbage() {
        let mut d = RecordDoc::new("note", actor()).unwrap();
        let c = d.reconcile(&json!({"title": "t"})).unwrap();
        d.commit(&c, 1);
        let bytes = d.save();
        let heads = d.heads();
        assert!(RecordDoc::load(&bytes, &[], &heads, actor()).is_ok());
        assert!(matches!(RecordDoc::load(&bytes, &[], &[], actor()), Err(DocError::HeadsMismatch)));
        assert!(RecordDoc::load(&bytes[..bytes.len() / 2], &[], &heads, actor()).is_err());
        assert!(RecordDoc::load(b"garbage", &[], &heads, actor()).is_err());
    }

    #[test]
    fn merge3_keeps_what_the_editor_left_and_takes_what_it_changed() {
        let base = json!({"title": "t", "body": "one\ntwo\nthree\n", "risk": "low", "tags": ["a", "b"]});
        let edited = json!({"title": "t", "body": "one\ntwo\nthree, edited\n", "risk": "high", "tags": ["a", "c"]});
        let current = json!({"title": "T", "body": "one, elsewhere\ntwo\nthree\n", "risk": "medium", "tags": ["a", "b", "d"], "notes": "n"});
        let mut overwrote = false;
        let m = merge3(&base, &edited, &current, &mut overwrote);
        assert_eq!(m["title"], "T", "left alone by the editor: the stored value stays");
        assert_eq!(m["body"], "one, elsewhere\ntwo\nthree, edited\n", "different lines: both edits kept");
        assert_eq!(m["risk"], "high", "both changed a plain value: the editor's wins");
        assert!(overwrote, "and that is reported");
        assert_eq!(m["tags"], json!(["a", "d", "c"]), "removal and addition applied to the stored set");
        assert_eq!(m["notes"], "n", "a field added elsewhere stays");
        // Nothing changed on one side: the other side as it is, nothing overwritten.
        let mut overwrote = false;
        assert_eq!(merge3(&base, &base, &current, &mut overwrote), current);
        assert_eq!(merge3(&base, &edited, &base, &mut overwrote), edited);
        assert!(!overwrote);
    }

    #[test]
    fn merge3_text_conflicts_and_cleared_fields() {
        let base = json!({"body": "same line", "real_name": "R"});
        let edited = json!({"body": "mine"});
        let current = json!({"body": "theirs", "real_name": "R"});
        let mut overwrote = false;
        let m = merge3(&base, &edited, &current, &mut overwrote);
        assert_eq!(
            m,
            json!({"body": "mine"}),
            "same line changed on both sides: the editor's; a cleared field stays cleared"
        );
        assert!(overwrote);
        // Cleared elsewhere, left alone by the editor: stays cleared.
        let mut overwrote = false;
        let m = merge3(&json!({"a": "x", "b": 1}), &json!({"a": "x", "b": 2}), &json!({"b": 1}), &mut overwrote);
        assert_eq!(m, json!({"b": 2}));
        assert!(!overwrote);
        // A form's text has no final line break: a line added at the end does not turn the last
        // line into a changed one (which would clash with an edit of the line before it), and no
        // line break is added. Edits of neighbouring lines do clash, as in `git merge`.
        let mut overwrote = false;
        let (b, e) = (json!("one\ntwo\nthree"), json!("one\ntwo\nthree\nfour"));
        let m = merge3(&b, &e, &json!("one\nTWO\nthree"), &mut overwrote);
        assert_eq!((m, overwrote), (json!("one\nTWO\nthree\nfour"), false));
        let m = merge3(&b, &e, &json!("one\ntwo\nTHREE"), &mut overwrote);
        assert_eq!((m, overwrote), (e.clone(), true));
    }

    #[test]
    fn merge3_keyed_lists_merge_item_by_item() {
        let act = |id: &str, t: &str| json!({"id": id, "type": t, "note": ""});
        let base = json!({"acts": [act("a", "arrest"), act("b", "raid"), act("c", "threat")]});
        // The editor changes a's type, removes b, adds d.
        let edited = json!({"acts": [act("a", "detention"), act("c", "threat"), act("d", "ban")]});
        // Elsewhere: a's note changed, c removed, e added.
        let current = json!({"acts": [
            {"id": "a", "type": "arrest", "note": "seen"}, act("b", "raid"), act("e", "smear")
        ]});
        let mut overwrote = false;
        let m = merge3(&base, &edited, &current, &mut overwrote);
        assert_eq!(
            m["acts"],
            json!([{"id": "a", "type": "detention", "note": "seen"}, act("e", "smear"), act("d", "ban")])
        );
        assert!(!overwrote, "every change on both sides is kept");
        // Removed elsewhere but changed by the editor: the editor's item comes back.
        let edited = json!({"acts": [act("a", "arrest"), act("b", "raid"), act("c", "intimidation")]});
        let m = merge3(&base, &edited, &current, &mut overwrote);
        let ids: Vec<_> = m["acts"].as_array().unwrap().iter().map(|v| v["id"].clone()).collect();
        assert_eq!(ids, [json!("a"), json!("b"), json!("e"), json!("c")]);
        assert!(overwrote, "a removal made elsewhere was undone");
        // Removed by the editor after it was changed elsewhere: gone, and reported.
        let mut overwrote = false;
        let edited = json!({"acts": [act("b", "raid"), act("c", "threat")]});
        let m = merge3(&base, &edited, &current, &mut overwrote);
        assert!(m["acts"].as_array().unwrap().iter().all(|v| v["id"] != "a"));
        assert!(overwrote);
    }

    #[test]
    fn reconcile_keeping_leaves_the_fields_a_newer_build_wrote() {
        // A newer build wrote "pronouns" at the top and "witness" inside an act.
        let mut d = RecordDoc::new("contact", actor()).unwrap();
        let newer = json!({
            "alias": "A", "notes": "n", "pronouns": "she/her",
            "acts": [{"id": "x", "type": "arrest", "witness": "W"}, {"id": "y", "type": "raid"}]
        });
        let c = d.reconcile(&newer).unwrap();
        d.commit(&c, 1);
        let heads = d.heads();
        let mut d = RecordDoc::load(&d.save(), &[], &heads, actor()).unwrap();
        // This build knows alias, notes and acts of id and type.
        let seen = |mut j: Json| {
            j.as_object_mut()?.remove("pronouns");
            for act in j["acts"].as_array_mut()? {
                act.as_object_mut()?.remove("witness");
            }
            Some(j)
        };
        // The user cleared the notes and changed the first act's type.
        let mine = json!({"alias": "B", "acts": [{"id": "x", "type": "detention"}, {"id": "y", "type": "raid"}]});
        let c = d.reconcile_keeping(&mine, seen).unwrap();
        d.commit(&c, 2);
        let want = json!({
            "alias": "B", "pronouns": "she/her",
            "acts": [{"id": "x", "type": "detention", "witness": "W"}, {"id": "y", "type": "raid"}]
        });
        assert_eq!(d.to_json(), want);
        assert_eq!(without_unknown(&d.to_json(), &mine), mine);

        // A second edit, now from the fields written last (`known`): still kept.
        let mine = json!({"alias": "B", "acts": [{"id": "x", "type": "threat"}, {"id": "y", "type": "raid"}]});
        let c = d.reconcile_keeping(&mine, |_| panic!("known fields need no reading")).unwrap();
        d.commit(&c, 3);
        assert_eq!(d.to_json()["acts"][0], json!({"id": "x", "type": "threat", "witness": "W"}));
        assert_eq!(d.to_json()["pronouns"], "she/her");

        // Plain `reconcile` (a document only this build writes) deletes what the value lacks.
        let heads = d.heads();
        let mut d = RecordDoc::load(&d.save(), &[], &heads, actor()).unwrap();
        d.reconcile(&mine).unwrap();
        assert_eq!(d.to_json(), mine);
    }
}
