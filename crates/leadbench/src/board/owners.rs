//! The owners list (the sales people leads are assigned to) and automatic
//! assignment of new SQLs: round robin over chosen owners, or a fixed owner
//! per source channel.

use rusqlite::{params, Connection, OptionalExtension, Transaction};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::{Error, Result};
use crate::Database;

/// A person leads can be assigned to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Owner {
    #[ts(type = "number")]
    pub id: i64,
    pub name: String,
    /// Inactive owners keep their leads but get no new ones.
    pub active: bool,
    /// Leads assigned to this owner, erased leads excluded.
    pub leads: u32,
}

/// Method that gives new SQLs an owner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum AssignMode {
    /// New SQLs stay unassigned until a person picks an owner.
    #[default]
    Off,
    /// Each new SQL goes to the next owner of the rotation.
    RoundRobin,
    /// Each new SQL goes to the owner set for its source channel.
    ByChannel,
}

/// The owner who gets the new SQLs of one source channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ChannelOwner {
    pub channel: String,
    pub owner: String,
}

/// Automatic assignment settings, stored under the `board_assignment` key.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Assignment {
    pub mode: AssignMode,
    /// Owners in the round-robin rotation; empty means every active owner.
    pub rotation: Vec<String>,
    pub by_channel: Vec<ChannelOwner>,
}

/// Returns every owner with the number of leads assigned to them.
pub fn list_owners(conn: &Connection) -> Result<Vec<Owner>> {
    let mut stmt = conn.prepare(
        "SELECT o.id, o.name, o.active,
                (SELECT COUNT(*) FROM leads l WHERE l.owner = o.name AND l.forgotten_at IS NULL)
         FROM owners o ORDER BY o.name COLLATE NOCASE",
    )?;
    let owners = stmt
        .query_map([], |row| {
            Ok(Owner {
                id: row.get(0)?,
                name: row.get(1)?,
                active: row.get(2)?,
                leads: row.get(3)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(owners)
}

/// Adds every owner named on a lead but missing from the owners list, such
/// as owners that came with imported or demo leads. Returns how many were added.
pub fn sync_owners(db: &mut Database) -> Result<u32> {
    let added = db.conn().execute(
        "INSERT INTO owners (name)
         SELECT DISTINCT TRIM(owner) FROM leads
         WHERE owner IS NOT NULL AND TRIM(owner) <> '' AND forgotten_at IS NULL
         ON CONFLICT (name) DO NOTHING",
        [],
    )?;
    Ok(added as u32)
}

fn clean_name(name: &str) -> Result<&str> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 80 {
        return Err(Error::invalid(
            "owner name",
            name,
            "use a name of 1 to 80 characters",
        ));
    }
    Ok(name)
}

/// Adds an active owner. Fails when another owner has the name in any case.
pub fn add_owner(db: &mut Database, name: &str) -> Result<i64> {
    let name = clean_name(name)?;
    let tx = db.write()?;
    let exists: bool = tx
        .query_row("SELECT 1 FROM owners WHERE name = ?1", [name], |_| Ok(true))
        .optional()?
        .unwrap_or(false);
    if exists {
        return Err(Error::invalid(
            "owner name",
            name,
            "this owner is already in the list; pick another name",
        ));
    }
    tx.execute("INSERT INTO owners (name) VALUES (?1)", [name])?;
    let id = tx.last_insert_rowid();
    tx.commit()?;
    Ok(id)
}

/// Renames an owner, on every lead and in the assignment settings too, in
/// one transaction.
pub fn rename_owner(db: &mut Database, id: i64, name: &str) -> Result<()> {
    let name = clean_name(name)?;
    let tx = db.write()?;
    let old: String = tx
        .query_row("SELECT name FROM owners WHERE id = ?1", [id], |row| {
            row.get(0)
        })
        .optional()?
        .ok_or_else(|| Error::NotFound {
            what: "owner".to_owned(),
            id: id.to_string(),
        })?;
    let clash: bool = tx
        .query_row(
            "SELECT 1 FROM owners WHERE name = ?1 AND id <> ?2",
            params![name, id],
            |_| Ok(true),
        )
        .optional()?
        .unwrap_or(false);
    if clash {
        return Err(Error::invalid(
            "owner name",
            name,
            "another owner already has this name",
        ));
    }

    tx.execute(
        "UPDATE owners SET name = ?2 WHERE id = ?1",
        params![id, name],
    )?;
    tx.execute(
        "UPDATE leads SET owner = ?2 WHERE owner = ?1",
        params![old, name],
    )?;

    let mut assignment = load_assignment(&tx)?;
    for slot in assignment.rotation.iter_mut() {
        if *slot == old {
            *slot = name.to_owned();
        }
    }
    for rule in assignment.by_channel.iter_mut() {
        if rule.owner == old {
            rule.owner = name.to_owned();
        }
    }
    write_assignment(&tx, &assignment)?;
    tx.commit()?;
    Ok(())
}

/// Activates or deactivates an owner. A deactivated owner keeps their
/// leads but gets no new ones.
pub fn set_owner_active(db: &mut Database, id: i64, active: bool) -> Result<()> {
    let changed = db.conn().execute(
        "UPDATE owners SET active = ?2 WHERE id = ?1",
        params![id, active],
    )?;
    if changed == 0 {
        return Err(Error::NotFound {
            what: "owner".to_owned(),
            id: id.to_string(),
        });
    }
    Ok(())
}

/// Reads the assignment settings, or "off" when none are stored.
pub fn load_assignment(conn: &Connection) -> Result<Assignment> {
    let text: Option<String> = conn
        .query_row(
            "SELECT value FROM settings WHERE key = 'board_assignment'",
            [],
            |row| row.get(0),
        )
        .optional()?;
    Ok(text
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or_default())
}

/// Validates and stores the assignment settings: every named owner must be
/// in the owners list.
pub fn save_assignment(db: &mut Database, assignment: &Assignment) -> Result<()> {
    let tx = db.write()?;
    let names = assignment
        .rotation
        .iter()
        .chain(assignment.by_channel.iter().map(|rule| &rule.owner));
    for name in names {
        let known = tx
            .query_row("SELECT 1 FROM owners WHERE name = ?1", [name], |_| Ok(()))
            .optional()?
            .is_some();
        if !known {
            return Err(Error::invalid(
                "owner",
                name,
                "add this person to the owners list first",
            ));
        }
    }
    write_assignment(&tx, assignment)?;
    tx.commit()?;
    Ok(())
}

fn write_assignment(conn: &Connection, assignment: &Assignment) -> Result<()> {
    let text = serde_json::to_string(assignment).unwrap_or_default();
    conn.execute(
        "INSERT INTO settings (key, value) VALUES ('board_assignment', ?1)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [text],
    )?;
    Ok(())
}

/// Gives an SQL without an owner one by the assignment settings, inside
/// the caller's transaction. Returns whether an owner was set.
pub(crate) fn auto_assign_in(tx: &Transaction<'_>, lead_id: i64) -> Result<bool> {
    SqlAssigner::new(tx)?.assign(lead_id)
}

/// Gives leads that enter SQL an owner, inside the caller's transaction.
/// Every path that moves a lead to SQL (board moves, scoring, imports) goes
/// through `assign`, so they all follow the same settings and share one
/// round-robin rotation. The settings are read once, so a batch of moves
/// pays for them once.
pub(crate) struct SqlAssigner<'t> {
    conn: &'t Connection,
    assignment: Assignment,
    active: Vec<String>,
}

impl<'t> SqlAssigner<'t> {
    /// Reads the assignment settings and the active owners.
    pub(crate) fn new(conn: &'t Connection) -> Result<Self> {
        let assignment = load_assignment(conn)?;
        let active = if assignment.mode == AssignMode::Off {
            Vec::new()
        } else {
            active_owners(conn)?
        };
        Ok(SqlAssigner {
            conn,
            assignment,
            active,
        })
    }

    /// Gives the lead an owner when it has none and the settings name one.
    /// Returns whether an owner was set.
    pub(crate) fn assign(&mut self, lead_id: i64) -> Result<bool> {
        if self.assignment.mode == AssignMode::Off {
            return Ok(false);
        }
        let (owner, channel): (Option<String>, Option<String>) = self
            .conn
            .prepare_cached("SELECT owner, source FROM leads WHERE id = ?1")?
            .query_row([lead_id], |row| Ok((row.get(0)?, row.get(1)?)))?;
        if owner.is_some_and(|o| !o.trim().is_empty()) {
            return Ok(false);
        }

        let Some(owner) = self.choose(channel.as_deref())? else {
            return Ok(false);
        };
        self.conn
            .prepare_cached("UPDATE leads SET owner = ?2 WHERE id = ?1")?
            .execute(params![lead_id, owner])?;
        Ok(true)
    }

    fn choose(&self, channel: Option<&str>) -> Result<Option<String>> {
        let active = &self.active;
        match self.assignment.mode {
            AssignMode::Off => Ok(None),
            AssignMode::ByChannel => Ok(channel.and_then(|channel| {
                self.assignment
                    .by_channel
                    .iter()
                    .find(|rule| rule.channel.eq_ignore_ascii_case(channel))
                    .map(|rule| rule.owner.clone())
                    .filter(|owner| active.contains(owner))
            })),
            AssignMode::RoundRobin => {
                let rotation: Vec<&String> = if self.assignment.rotation.is_empty() {
                    active.iter().collect()
                } else {
                    self.assignment
                        .rotation
                        .iter()
                        .filter(|name| active.contains(name))
                        .collect()
                };
                next_in_rotation(self.conn, &rotation)
            }
        }
    }
}

fn active_owners(conn: &Connection) -> Result<Vec<String>> {
    let mut stmt = conn.prepare("SELECT name FROM owners WHERE active = 1 ORDER BY id")?;
    let names = stmt
        .query_map([], |row| row.get(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(names)
}

/// Returns the next owner of `rotation` and advances the stored position.
fn next_in_rotation(conn: &Connection, rotation: &[&String]) -> Result<Option<String>> {
    if rotation.is_empty() {
        return Ok(None);
    }
    let position: i64 = conn
        .prepare_cached(
            "SELECT CAST(value AS INTEGER) FROM settings WHERE key = 'board_assignment_next'",
        )?
        .query_row([], |row| row.get(0))
        .optional()?
        .unwrap_or(0);
    let index = position.rem_euclid(rotation.len() as i64) as usize;
    conn.prepare_cached(
        "INSERT INTO settings (key, value) VALUES ('board_assignment_next', ?1)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )?
    .execute([(index as i64 + 1).to_string()])?;
    Ok(Some(rotation[index].to_string()))
}
