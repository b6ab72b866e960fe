//! Channels, operation types, consent purposes and the time-of-day windows used by timing and quiet
//! hours: the vocabulary shared by rules, the contact policy and the routing matrix.

use chrono::{NaiveDateTime, NaiveTime, TimeDelta, Weekday};
use std::fmt;
use std::str::FromStr;

macro_rules! named_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The name used in files and the API.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<$name, String> {
                match s {
                    $($text => Ok($name::$variant),)+
                    _ => Err(format!(
                        "unknown {} `{s}`, expected one of: {}",
                        stringify!($name).to_lowercase(),
                        [$($text),+].join(", ")
                    )),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<$name, D::Error> {
                let s = String::deserialize(d)?;
                s.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

named_enum! {
    /// A channel or actor (canal, acteur), with the channel kinds of the import format.
    Channel {
        Store = "store",
        /// Plateau d'appels: the call platform.
        CallCentre = "call_centre",
        Web = "web",
        App = "app",
        Email = "email",
        Sms = "sms",
        /// Courrier: direct mail.
        Mail = "mail",
        /// Conseiller: a (wealth) adviser.
        Adviser = "adviser",
        /// Télévente: outbound telesales.
        Telesales = "telesales",
        Social = "social",
    }
}

impl Channel {
    /// Whether an action on this channel is a contact that counts against caps and needs consent.
    /// Web, store and social placements (a banner, a note for the shop) are not contacts.
    pub fn is_contact(self) -> bool {
        !matches!(self, Channel::Web | Channel::Store | Channel::Social)
    }

    /// The consent channel that governs outgoing contacts on this channel.
    pub fn consent_channel(self) -> Option<ConsentChannel> {
        Some(match self {
            Channel::Email => ConsentChannel::Email,
            Channel::Sms => ConsentChannel::Sms,
            Channel::Mail => ConsentChannel::Mail,
            Channel::App => ConsentChannel::Push,
            Channel::CallCentre | Channel::Telesales | Channel::Adviser => ConsentChannel::Phone,
            Channel::Store | Channel::Web | Channel::Social => return None,
        })
    }
}

named_enum! {
    /// The channels consents are recorded for (import format `consents.channel`).
    ConsentChannel {
        Email = "email",
        Sms = "sms",
        Phone = "phone",
        Mail = "mail",
        Push = "push",
    }
}

named_enum! {
    /// Finalité: the purpose a consent is given for and an action serves.
    Purpose {
        Marketing = "marketing",
        Service = "service",
        Profiling = "profiling",
        Partners = "partners",
    }
}

named_enum! {
    /// Type d'opération: what a contact is for, the columns of the routing matrix.
    Operation {
        Information = "information",
        /// Prise de rendez-vous.
        Appointment = "appointment",
        SimpleSale = "simple_sale",
        /// Vente de produits complexes (patrimoniaux).
        ComplexSale = "complex_sale",
        Service = "service",
        /// Réclamation.
        Complaint = "complaint",
        /// Fidélisation / rétention.
        Retention = "retention",
    }
}

/// A daily time window `start-end` in local wall-clock time; `21:00-08:00` wraps past midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeWindow {
    pub start: NaiveTime,
    pub end: NaiveTime,
}

impl TimeWindow {
    /// Whether `t` falls in the window (start included, end excluded).
    pub fn contains(&self, t: NaiveTime) -> bool {
        if self.start <= self.end {
            self.start <= t && t < self.end
        } else {
            t >= self.start || t < self.end
        }
    }

    /// The first moment at or after `at` inside the window.
    pub fn next_inside(&self, at: NaiveDateTime) -> NaiveDateTime {
        if self.contains(at.time()) {
            return at;
        }
        let opening = at.date().and_time(self.start);
        if opening > at {
            opening
        } else {
            shift(opening, TimeDelta::days(1))
        }
    }

    /// The first moment at or after `at` outside the window.
    pub fn next_outside(&self, at: NaiveDateTime) -> NaiveDateTime {
        if !self.contains(at.time()) {
            return at;
        }
        let closing = at.date().and_time(self.end);
        if closing > at {
            closing
        } else {
            shift(closing, TimeDelta::days(1))
        }
    }
}

impl FromStr for TimeWindow {
    type Err = String;

    fn from_str(s: &str) -> Result<TimeWindow, String> {
        let bad = || format!("`{s}` is not a time window written HH:MM-HH:MM");
        let (a, b) = s.split_once('-').ok_or_else(bad)?;
        let parse = |t: &str| NaiveTime::parse_from_str(t.trim(), "%H:%M").map_err(|_| bad());
        let window = TimeWindow {
            start: parse(a)?,
            end: parse(b)?,
        };
        if window.start == window.end {
            return Err(format!("`{s}` is an empty time window"));
        }
        Ok(window)
    }
}

impl fmt::Display for TimeWindow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}-{}",
            self.start.format("%H:%M"),
            self.end.format("%H:%M")
        )
    }
}

impl serde::Serialize for TimeWindow {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for TimeWindow {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<TimeWindow, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// `t + d`, saturating at the ends of the calendar instead of overflowing.
pub fn shift(t: NaiveDateTime, d: TimeDelta) -> NaiveDateTime {
    t.checked_add_signed(d).unwrap_or(if d < TimeDelta::zero() {
        NaiveDateTime::MIN
    } else {
        NaiveDateTime::MAX
    })
}

/// Parses a weekday written in English (`mon`, `monday`) or French (`lun`, `lundi`).
pub fn parse_weekday(s: &str) -> Result<Weekday, String> {
    let lower = s.trim().to_lowercase();
    let days = [
        (Weekday::Mon, "mon", "lun"),
        (Weekday::Tue, "tue", "mar"),
        (Weekday::Wed, "wed", "mer"),
        (Weekday::Thu, "thu", "jeu"),
        (Weekday::Fri, "fri", "ven"),
        (Weekday::Sat, "sat", "sam"),
        (Weekday::Sun, "sun", "dim"),
    ];
    days.iter()
        .find(|(_, en, fr)| lower.len() >= 3 && (lower.starts_with(en) || lower.starts_with(fr)))
        .map(|(d, _, _)| *d)
        .ok_or_else(|| format!("`{s}` is not a day of the week"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    #[test]
    fn windows_and_wrapping() {
        let day: TimeWindow = "09:00-19:00".parse().unwrap();
        let night: TimeWindow = "21:00-08:00".parse().unwrap();
        let cases = [
            (
                day,
                "2025-03-10 08:00",
                "2025-03-10 09:00",
                "2025-03-10 08:00",
            ),
            (
                day,
                "2025-03-10 12:00",
                "2025-03-10 12:00",
                "2025-03-10 19:00",
            ),
            (
                day,
                "2025-03-10 19:00",
                "2025-03-11 09:00",
                "2025-03-10 19:00",
            ),
            (
                night,
                "2025-03-10 22:00",
                "2025-03-10 22:00",
                "2025-03-11 08:00",
            ),
            (
                night,
                "2025-03-10 07:00",
                "2025-03-10 07:00",
                "2025-03-10 08:00",
            ),
            (
                night,
                "2025-03-10 12:00",
                "2025-03-10 21:00",
                "2025-03-10 12:00",
            ),
        ];
        for (w, t, inside, outside) in cases {
            assert_eq!(w.next_inside(at(t)), at(inside), "{w} inside from {t}");
            assert_eq!(w.next_outside(at(t)), at(outside), "{w} outside from {t}");
        }
        assert!("9h-10h".parse::<TimeWindow>().is_err());
        assert!("10:00-10:00".parse::<TimeWindow>().is_err());
    }

    #[test]
    fn names_round_trip() {
        for c in Channel::ALL {
            assert_eq!(c.as_str().parse::<Channel>().unwrap(), *c);
        }
        assert_eq!(
            "fax".parse::<Channel>().unwrap_err(),
            "unknown channel `fax`, expected one of: store, call_centre, web, app, email, sms, mail, adviser, telesales, social"
        );
        assert_eq!(parse_weekday("Dimanche").unwrap(), Weekday::Sun);
    }
}
