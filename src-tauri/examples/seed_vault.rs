//! Fills a new vault with N records (a third each notes, contacts, reprisal records) for the
//! desktop measurements: `seed_vault <vault dir> <count>`; the passphrase comes from
//! CARENET_PASSPHRASE. Some contacts alert others, so the tree has depth; one record in five is
//! shared into a space.

use std::path::PathBuf;

use carenet::{Contact, Note, ReprisalRecord, SecretString, Vault};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(args.next().ok_or("usage: seed_vault <vault dir> <count>")?);
    let count: usize = args.next().ok_or("usage: seed_vault <vault dir> <count>")?.parse()?;
    let pass = SecretString::from(std::env::var("CARENET_PASSPHRASE")?);
    let mut vault = Vault::create(&dir, &pass)?;
    let mut contacts = Vec::new();
    for i in 0..count {
        match i % 3 {
            0 => {
                vault.add(&Note {
                    title: format!("Note {i} about the checkpoint"),
                    body: format!("Body {i}: the road north is closed; meet at the market on day {}", i % 28),
                    tags: vec![format!("tag{}", i % 20)],
                    ..Default::default()
                })?;
            }
            1 => {
                let alerts =
                    if contacts.len() % 4 != 0 { contacts.last().copied().into_iter().collect() } else { vec![] };
                let id = vault.add(&Contact {
                    alias: format!("Contact {i}"),
                    location: "North".into(),
                    alerts,
                    ..Default::default()
                })?;
                contacts.push(id);
            }
            _ => {
                vault.add(&ReprisalRecord {
                    title: format!("Reprisal {i}: travel ban after a submission"),
                    country: "BY".into(),
                    start: Some(format!("20{:02}-{:02}", 10 + i % 16, 1 + i % 12).parse()?),
                    description: "Stopped at the border on the way to Geneva".into(),
                    ..Default::default()
                })?;
            }
        }
    }
    // One contact alerts many: the heads of up to 500 chains (contacts nobody else alerts), so
    // the tree has a root with 500 children to open. Its alias sorts it first among the roots.
    if let Some(&hub) = contacts.last() {
        let heads: Vec<_> =
            contacts.iter().enumerate().filter(|(k, _)| k % 4 == 3).map(|(_, id)| *id).take(500).collect();
        vault.update::<Contact>(&hub, |c| {
            c.alias = "Alert hub".into();
            c.alerts.extend(heads.iter().filter(|h| **h != hub));
        })?;
    }
    // A space of this device's network holding one record in five, so the Spaces screen opens
    // on a space with members, a share picker and a long list of shared records.
    let space = vault.create_space("Bench network")?;
    let ids: Vec<_> = vault.list(&carenet::Query::default()).iter().map(|s| s.id).collect();
    let mut shared = 0;
    for id in ids.iter().step_by(5) {
        if vault.space_of(id).is_none() {
            shared += vault.share(&space, id, false)?.len();
        }
    }
    vault.lock()?;
    println!("{count} records, {shared} of them in a space");
    Ok(())
}
