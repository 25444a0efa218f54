//! The contact tree: who alerts whom when something happens, and who checks on whom. Alert links
//! form a directed graph without cycles (a loop would make an alert chain go round forever), so
//! it can be walked as a tree from any contact.

use std::collections::{HashSet, VecDeque};

use serde::Serialize;

use super::Vault;
use crate::error::{Error, Result};
use crate::model::{CheckIn, Contact, Record, RecordId, RecordKind, RecordView, RiskLevel};

/// One contact in a walked tree, with the people they alert below them.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct TreeNode {
    /// The contact's id.
    pub id: RecordId,
    /// Their alias.
    pub alias: String,
    /// Their risk level.
    pub risk: RiskLevel,
    /// True when this contact already appeared higher up in the walk (reached twice); its
    /// children are then not repeated.
    pub repeated: bool,
    /// The contacts this one alerts.
    pub children: Vec<TreeNode>,
}

impl Vault {
    fn contact_ref(&self, id: &RecordId) -> Option<&Contact> {
        match self.records.get(id).map(|c| &c.record) {
            Some(Record::Contact(c)) => Some(c),
            _ => None,
        }
    }

    fn alias_of(&self, id: &RecordId) -> String {
        self.contact_ref(id).map(|c| c.alias.clone()).unwrap_or_else(|| id.to_string())
    }

    /// True when following alert links from `from` reaches `target`.
    fn alerts_reach(&self, from: &RecordId, target: &RecordId) -> bool {
        let mut seen = HashSet::new();
        let mut queue = VecDeque::from([*from]);
        while let Some(id) = queue.pop_front() {
            if id == *target {
                return true;
            }
            if !seen.insert(id) {
                continue;
            }
            if let Some(c) = self.contact_ref(&id) {
                queue.extend(c.alerts.iter().copied());
            }
        }
        false
    }

    /// Checks that a record's links point at existing contacts and that alert links make no loop.
    pub(super) fn check_links(&self, me: Option<RecordId>, value: &dyn RecordView) -> Result<()> {
        if let Some(check_in) = value.view_check_in() {
            return self.check_check_in_links(me, check_in);
        }
        let Some(contact) = value.view_contact() else { return Ok(()) };
        for target in contact.alerts.iter().chain(&contact.checked_by) {
            if Some(*target) == me {
                return Err(Error::invalid("A contact cannot be linked to themselves."));
            }
            // A link that arrived by sync may name a contact that was not shared with this device:
            // keep it, but refuse new links to contacts that are not here.
            let had = me
                .and_then(|m| self.contact_ref(&m))
                .is_some_and(|old| old.alerts.contains(target) || old.checked_by.contains(target));
            if self.contact_ref(target).is_none() && !had {
                return Err(Error::invalid(format!("The linked contact {target} does not exist.")));
            }
        }
        if let Some(me) = me {
            for target in &contact.alerts {
                if self.alerts_reach(target, &me) {
                    return Err(Error::TreeCycle(format!(
                        "{} already alerts {} through the chain",
                        self.alias_of(target),
                        contact.alias
                    )));
                }
            }
        }
        Ok(())
    }

    /// A check-in's person and watchers must be contacts of this vault, except links that were
    /// already there (they may have arrived by sync, naming contacts not shared with this device).
    fn check_check_in_links(&self, me: Option<RecordId>, value: &CheckIn) -> Result<()> {
        let old = match me.and_then(|m| self.records.get(&m)).map(|c| &c.record) {
            Some(Record::CheckIn(old)) => Some(old),
            _ => None,
        };
        let had = |id: &RecordId| old.is_some_and(|o| o.contact == Some(*id) || o.watchers.contains(id));
        for target in value.contact.iter().chain(&value.watchers) {
            if self.contact_ref(target).is_none() && !had(target) {
                return Err(Error::invalid(format!("The linked contact {target} does not exist.")));
            }
        }
        Ok(())
    }

    /// Makes `from` alert `to`. Refused if it would close a loop.
    pub fn link_alert(&mut self, from: &RecordId, to: &RecordId) -> Result<()> {
        self.get::<Contact>(to)?;
        self.update::<Contact>(from, |c| {
            if !c.alerts.contains(to) {
                c.alerts.push(*to);
            }
        })?;
        Ok(())
    }

    /// Removes the alert link from `from` to `to`.
    pub fn unlink_alert(&mut self, from: &RecordId, to: &RecordId) -> Result<()> {
        self.update::<Contact>(from, |c| c.alerts.retain(|x| x != to))?;
        Ok(())
    }

    /// Records that `checker` checks on `person`.
    pub fn link_check(&mut self, person: &RecordId, checker: &RecordId) -> Result<()> {
        self.get::<Contact>(checker)?;
        self.update::<Contact>(person, |c| {
            if !c.checked_by.contains(checker) {
                c.checked_by.push(*checker);
            }
        })?;
        Ok(())
    }

    /// Removes `id` from every other contact's alert and check lists (before deleting it).
    pub(super) fn unlink_everywhere(&mut self, id: &RecordId) -> Result<()> {
        for other in self.ids_of(RecordKind::Contact) {
            let linked = self.contact_ref(&other).is_some_and(|c| c.alerts.contains(id) || c.checked_by.contains(id));
            if linked && other != *id {
                self.update::<Contact>(&other, |c| {
                    c.alerts.retain(|x| x != id);
                    c.checked_by.retain(|x| x != id);
                })?;
            }
        }
        for other in self.ids_of(RecordKind::CheckIn) {
            let linked = matches!(self.records.get(&other).map(|c| &c.record),
                Some(Record::CheckIn(c)) if c.contact == Some(*id) || c.watchers.contains(id));
            if linked {
                self.update::<CheckIn>(&other, |c| {
                    if c.contact == Some(*id) {
                        c.contact = None;
                    }
                    c.watchers.retain(|x| x != id);
                })?;
            }
        }
        Ok(())
    }

    /// The alert tree below `root`.
    pub fn contact_tree(&self, root: &RecordId) -> Result<TreeNode> {
        self.get::<Contact>(root)?;
        let mut seen = HashSet::new();
        Ok(self.walk(root, &mut seen))
    }

    fn walk(&self, id: &RecordId, seen: &mut HashSet<RecordId>) -> TreeNode {
        let contact = self.contact_ref(id);
        let repeated = !seen.insert(*id);
        let children = match contact {
            // Links that arrived by merge may dangle or loop: skip what is missing or seen.
            Some(c) if !repeated => {
                c.alerts.iter().filter(|t| self.contact_ref(t).is_some()).map(|t| self.walk(t, seen)).collect()
            }
            _ => Vec::new(),
        };
        TreeNode {
            id: *id,
            alias: contact.map(|c| c.alias.clone()).unwrap_or_default(),
            risk: contact.map(|c| c.risk).unwrap_or_default(),
            repeated,
            children,
        }
    }

    /// Contacts nobody alerts: the tops of the alert trees, sorted by alias.
    pub fn tree_roots(&self) -> Vec<RecordId> {
        let contacts = self.ids_of(RecordKind::Contact);
        let alerted: HashSet<RecordId> =
            contacts.iter().filter_map(|id| self.contact_ref(id)).flat_map(|c| c.alerts.iter().copied()).collect();
        let mut roots: Vec<RecordId> = contacts.into_iter().filter(|id| !alerted.contains(id)).collect();
        roots.sort_by_cached_key(|id| self.alias_of(id).to_lowercase());
        roots
    }
}
