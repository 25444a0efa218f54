//! The panic wipe on real vault folders: the keys go first and everything the vault wrote goes
//! with them; a copy of the database taken before cannot be opened afterwards, even with the
//! passphrase; a folder that is not a vault is refused untouched; a vault open in another handle
//! is wiped all the same.

mod util;

use std::path::Path;

use carenet::vault::{wipe, Wiped};
use carenet::{Error, LockStatus, Note, Vault};
use util::*;

fn note(title: &str) -> Note {
    Note { title: title.into(), body: format!("{title} body"), tags: vec![], ..Default::default() }
}

fn assert_no_vault(dir: &Path) {
    assert_eq!(Vault::status(dir).expect("status"), LockStatus::NoVault);
    let e = expect_err(Vault::unlock(dir, &passphrase()), "unlock after the wipe");
    assert!(matches!(e, Error::NoVault(_)), "{e}");
}

#[test]
fn wipe_destroys_both_key_files_and_every_vault_file() {
    let (dir, mut vault) = new_vault();
    for n in 0..20 {
        vault.add(&note(&format!("CanaryWipe{n}"))).expect("add");
    }
    lock(vault);
    // What a seized SSD might still hold: the database as it was.
    let remnant = tempfile::tempdir().expect("temp");
    std::fs::copy(dir.path().join("vault.db"), remnant.path().join("vault.db")).expect("copy the database");

    let wiped = wipe(dir.path()).expect("wipe");
    assert_eq!(wiped.key_files, 2, "{wiped:?}");
    assert!(wiped.other_files >= 2, "the database and the lock file: {wiped:?}");
    assert!(wiped.folder_removed, "{wiped:?}");
    assert!(!dir.path().exists());
    assert_no_vault(dir.path());

    // The database copy, put back where the vault was, opens with nothing, passphrase or not.
    std::fs::create_dir_all(dir.path()).expect("recreate the folder");
    std::fs::copy(remnant.path().join("vault.db"), dir.path().join("vault.db")).expect("put the copy back");
    assert_no_vault(dir.path());
}

#[test]
fn a_folder_that_is_not_a_vault_is_refused_and_left_alone() {
    let tmp = tempfile::tempdir().expect("temp");
    std::fs::write(tmp.path().join("thesis.txt"), "my work").expect("write");
    std::fs::write(tmp.path().join("vault.lock"), "").expect("write");
    let before = snapshot_files(tmp.path());
    let e = wipe(tmp.path()).map(|_| ()).expect_err("not a vault");
    assert!(matches!(e, Error::NoVault(_)), "{e}");
    assert_same_files(&before, &snapshot_files(tmp.path()), "after a refused wipe");
    let e = wipe(&tmp.path().join("missing")).map(|_| ()).expect_err("no folder");
    assert!(matches!(e, Error::NoVault(_)), "{e}");
}

#[test]
fn files_that_are_not_the_vaults_survive_and_keep_the_folder() {
    let (dir, vault) = new_vault();
    lock(vault);
    std::fs::write(dir.path().join("my-notes.txt"), "kept").expect("write");
    // A copy of a key file that a crash left half written is key material too.
    std::fs::write(dir.path().join(".keyring.age.tmp-0a1b2c3d4e5f"), "age sealed bytes").expect("write");
    let wiped = wipe(dir.path()).expect("wipe");
    assert_eq!(wiped.key_files, 3, "{wiped:?}");
    assert!(!wiped.folder_removed);
    assert_eq!(file_names(dir.path()), vec!["my-notes.txt".to_string()]);
    assert_no_vault(dir.path());
}

#[test]
fn a_vault_with_one_key_file_left_is_still_wiped() {
    let (dir, vault) = new_vault();
    lock(vault);
    std::fs::remove_file(dir.path().join("keyring.age")).expect("remove the primary copy");
    let wiped = wipe(dir.path()).expect("wipe");
    assert_eq!(wiped.key_files, 1);
    assert!(!dir.path().exists());
}

#[test]
fn an_unlocked_vault_wipes_itself() {
    let (dir, mut vault) = new_vault();
    vault.add(&note("CanaryOpen")).expect("add");
    let wiped: Wiped = vault.wipe().expect("wipe");
    assert_eq!(wiped.key_files, 2, "{wiped:?}");
    assert!(!dir.path().exists(), "{:?}", list_files(dir.path()));
    assert_no_vault(dir.path());
}

#[test]
fn a_vault_open_in_another_handle_is_wiped_all_the_same() {
    let (dir, mut vault) = new_vault();
    vault.add(&note("CanaryBusy")).expect("add");
    assert_eq!(Vault::status(dir.path()).expect("status"), LockStatus::OpenElsewhere);
    let wiped = wipe(dir.path()).expect("wipe while open");
    assert_eq!(wiped.key_files, 2);
    // The open handle keeps working on unlinked files and cannot bring the keys back.
    vault.add(&note("CanaryAfter")).expect("the open handle still saves");
    drop(vault);
    assert!(!dir.path().join("keyring.age").exists() && !dir.path().join("keyring.age.bak").exists());
    assert_no_vault(dir.path());
}

fn wrong(dir: &Path) -> Error {
    expect_err(Vault::unlock(dir, &secret("not the passphrase at all")), "a wrong passphrase")
}

#[test]
fn wrong_passphrases_never_wipe_unless_chosen() {
    let (dir, vault) = new_vault();
    lock(vault);
    assert_eq!(Vault::wipe_after(dir.path()), None, "off by default");
    for _ in 0..6 {
        assert!(matches!(wrong(dir.path()), Error::WrongPassphrase));
    }
    assert!(!dir.path().join(carenet::vault::GUARD_FILE).exists());
    lock(unlock(dir.path()));
}

#[test]
fn the_chosen_number_of_wrong_passphrases_in_a_row_wipes_and_a_right_one_starts_again() {
    let (dir, mut vault) = new_vault();
    vault.add(&note("CanaryGuard")).expect("add");
    vault.set_wipe_after(Some(3)).expect("set");
    lock(vault);
    assert_eq!(Vault::wipe_after(dir.path()), Some(3));
    assert!(matches!(wrong(dir.path()), Error::WrongPassphrase));
    assert!(matches!(wrong(dir.path()), Error::WrongPassphrase));
    // The right one sets the count back to zero: two more wrong ones do not wipe.
    let vault = unlock(dir.path());
    assert_eq!(vault.len(), 1);
    lock(vault);
    assert!(matches!(wrong(dir.path()), Error::WrongPassphrase));
    assert!(matches!(wrong(dir.path()), Error::WrongPassphrase));
    assert!(dir.path().join("keyring.age").exists());
    let e = wrong(dir.path());
    assert!(matches!(e, Error::WipedAfterFailures(3)), "{e}");
    assert_eq!(e.code(), "wiped_after_failures");
    assert!(!dir.path().exists(), "the folder is gone, guard file included");
    assert_no_vault(dir.path());
}

#[test]
fn limits_outside_the_range_are_refused_and_off_removes_the_file() {
    let (dir, mut vault) = new_vault();
    for n in [0, 1, 2, 100] {
        let e = expect_err(vault.set_wipe_after(Some(n)), "an out-of-range limit");
        assert_eq!(e.code(), "invalid_input", "{e}");
        assert_eq!(Vault::wipe_after(dir.path()), None, "nothing changed for {n}");
    }
    vault.set_wipe_after(Some(99)).expect("set");
    assert_eq!(Vault::wipe_after(dir.path()), Some(99));
    vault.set_wipe_after(None).expect("off");
    assert!(!dir.path().join(carenet::vault::GUARD_FILE).exists());
    vault.set_wipe_after(None).expect("off twice is fine");
    lock(vault);
}

#[test]
fn a_damaged_guard_file_counts_as_the_strictest_limit() {
    let (dir, mut vault) = new_vault();
    vault.set_wipe_after(Some(50)).expect("set");
    lock(vault);
    std::fs::write(dir.path().join(carenet::vault::GUARD_FILE), "limit 1000\n").expect("damage it");
    assert_eq!(Vault::wipe_after(dir.path()), Some(carenet::vault::MIN_GUARD));
    for _ in 1..carenet::vault::MIN_GUARD {
        assert!(matches!(wrong(dir.path()), Error::WrongPassphrase));
    }
    assert!(matches!(wrong(dir.path()), Error::WipedAfterFailures(_)));
    assert!(!dir.path().exists());
}
