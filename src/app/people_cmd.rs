//! The `traveller`, `trip` and `subscription` subcommands: their command-line shape and
//! dispatch onto [`super::people`].

use clap::Subcommand;

use super::people::{
    self, SubscriptionArgs, SubscriptionChange, TravellerArgs, TravellerChange, TripArgs, TripChange,
};
use crate::route::model::Email;
use crate::store::Store;

#[derive(Subcommand)]
pub enum TravellerCmd {
    /// Add a traveller, or update the one with this email.
    Add {
        #[arg(long)]
        name: String,
        #[arg(long)]
        email: String,
        /// IANA time zone (default UTC).
        #[arg(long)]
        timezone: Option<String>,
        #[arg(long)]
        language: Option<String>,
        /// The traveller's security manager, who gets roll-ups.
        #[arg(long)]
        manager: Option<String>,
        /// A configured webhook name this traveller's alerts also go to (repeatable).
        #[arg(long = "webhook")]
        webhooks: Vec<String>,
    },
    /// Change some fields of the traveller with this email; the rest stay as they are.
    Change {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        timezone: Option<String>,
        #[arg(long)]
        language: Option<String>,
        /// A new manager ("" removes the manager).
        #[arg(long)]
        manager: Option<String>,
        /// Replace the webhook list with these names (repeatable).
        #[arg(long = "webhook")]
        webhooks: Vec<String>,
        /// Remove every webhook.
        #[arg(long, conflicts_with = "webhooks")]
        no_webhooks: bool,
    },
    List,
    /// Remove a traveller and their trips.
    Remove {
        #[arg(long)]
        email: String,
    },
}

#[derive(Subcommand)]
pub enum TripCmd {
    Add {
        #[arg(long)]
        email: String,
        /// ISO 3166-1 alpha-2 code or English name.
        #[arg(long)]
        country: String,
        #[arg(long)]
        city: Option<String>,
        /// YYYY-MM-DD
        #[arg(long)]
        start: String,
        /// YYYY-MM-DD
        #[arg(long)]
        end: String,
    },
    /// Change a trip's place or dates; what is not given stays. A new country drops the old
    /// city unless --city is given; --city "" makes the trip country-wide.
    Change {
        id: i64,
        #[arg(long)]
        country: Option<String>,
        #[arg(long)]
        city: Option<String>,
        #[arg(long)]
        start: Option<String>,
        #[arg(long)]
        end: Option<String>,
    },
    List {
        #[arg(long)]
        email: Option<String>,
    },
    Remove {
        id: i64,
    },
}

#[derive(Subcommand)]
pub enum SubscriptionCmd {
    Add {
        /// The recipient (a traveller or a manager).
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        timezone: Option<String>,
        /// Follow the recipient's own trips.
        #[arg(long)]
        follow_trips: bool,
        /// A place to watch: CC or CC:City (repeatable).
        #[arg(long = "place")]
        places: Vec<String>,
        /// Only these trigger ids (repeatable; default all).
        #[arg(long = "trigger")]
        triggers: Vec<String>,
        /// critical | high | medium | low | info (default medium).
        #[arg(long)]
        min_severity: Option<String>,
        /// email or webhook:NAME (repeatable; default email).
        #[arg(long = "channel")]
        channels: Vec<String>,
        /// Collect into a digest released on this cron schedule, in the recipient's zone.
        #[arg(long)]
        digest: Option<String>,
        /// Let critical alerts wait for the digest too (by default they go out at once).
        #[arg(long, requires = "digest")]
        digest_critical: bool,
    },
    /// Change a subscription; what is not given stays. Repeatable options replace the list.
    Change {
        id: i64,
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        timezone: Option<String>,
        /// Follow the recipient's own trips instead of fixed places.
        #[arg(long, conflicts_with = "places")]
        follow_trips: bool,
        /// Watch these places instead (CC or CC:City, repeatable).
        #[arg(long = "place")]
        places: Vec<String>,
        /// Only these trigger ids (repeatable).
        #[arg(long = "trigger")]
        triggers: Vec<String>,
        /// Every trigger again.
        #[arg(long, conflicts_with = "triggers")]
        all_triggers: bool,
        #[arg(long)]
        min_severity: Option<String>,
        /// email or webhook:NAME (repeatable).
        #[arg(long = "channel")]
        channels: Vec<String>,
        /// Collect into a digest on this cron schedule.
        #[arg(long)]
        digest: Option<String>,
        /// Deliver immediately instead of in a digest.
        #[arg(long, conflicts_with = "digest")]
        immediate: bool,
        /// Critical alerts wait for the digest too (`true`/`false`).
        #[arg(long)]
        digest_critical: Option<bool>,
    },
    List,
    Remove {
        id: i64,
    },
}

/// `Some(list)` when the option was given at least once.
fn given(v: Vec<String>) -> Option<Vec<String>> {
    (!v.is_empty()).then_some(v)
}

pub fn traveller(store: &mut Store, known_webhooks: &[&str], cmd: TravellerCmd) -> anyhow::Result<String> {
    Ok(match cmd {
        TravellerCmd::Add { name, email, timezone, language, manager, webhooks } => people::add_traveller(
            store,
            &TravellerArgs { name, email, timezone, language, manager, webhooks },
            known_webhooks,
        )?,
        TravellerCmd::Change { email, name, timezone, language, manager, webhooks, no_webhooks } => {
            let webhooks = if no_webhooks { Some(Vec::new()) } else { given(webhooks) };
            people::change_traveller(
                store,
                &email,
                &TravellerChange { name, timezone, language, manager, webhooks },
                known_webhooks,
            )?
        }
        TravellerCmd::List => people::list_travellers(store)?,
        TravellerCmd::Remove { email } => {
            store.remove_traveller(&Email::parse(&email)?)?;
            "traveller removed".into()
        }
    })
}

pub fn trip(store: &mut Store, cmd: TripCmd) -> anyhow::Result<String> {
    Ok(match cmd {
        TripCmd::Add { email, country, city, start, end } => {
            people::add_trip(store, &TripArgs { email, country, city, start, end })?
        }
        TripCmd::Change { id, country, city, start, end } => {
            people::change_trip(store, id, &TripChange { country, city, start, end })?
        }
        TripCmd::List { email } => people::list_trips(store, email.as_deref())?,
        TripCmd::Remove { id } => {
            store.remove_trip(id)?;
            format!("trip {id} removed")
        }
    })
}

pub fn subscription(
    store: &mut Store,
    known_triggers: &[&str],
    known_webhooks: &[&str],
    cmd: SubscriptionCmd,
) -> anyhow::Result<String> {
    Ok(match cmd {
        SubscriptionCmd::Add {
            email,
            name,
            timezone,
            follow_trips,
            places,
            triggers,
            min_severity,
            channels,
            digest,
            digest_critical,
        } => people::add_subscription(
            store,
            known_triggers,
            known_webhooks,
            &SubscriptionArgs {
                email,
                name,
                timezone,
                follow_trips,
                places,
                triggers,
                min_severity,
                channels,
                digest,
                digest_critical,
            },
        )?,
        SubscriptionCmd::Change {
            id,
            name,
            timezone,
            follow_trips,
            places,
            triggers,
            all_triggers,
            min_severity,
            channels,
            digest,
            immediate,
            digest_critical,
        } => {
            let change = SubscriptionChange {
                name,
                timezone,
                follow_trips: follow_trips.then_some(true),
                places: given(places),
                triggers: if all_triggers { Some(Vec::new()) } else { given(triggers) },
                min_severity,
                channels: given(channels),
                digest: if immediate { Some(String::new()) } else { digest },
                digest_critical,
            };
            people::change_subscription(store, known_triggers, known_webhooks, id, &change)?
        }
        SubscriptionCmd::List => people::list_subscriptions(store)?,
        SubscriptionCmd::Remove { id } => {
            store.remove_subscription(id)?;
            format!("subscription {id} removed")
        }
    })
}
