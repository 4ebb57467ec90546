//! Table-driven tests of the engine: modifiers, attribution and the traps, each on
//! real-world-shaped sentences written for these tests.

use super::*;
use crate::config::triggers::default_set;
use std::sync::OnceLock;

fn engine() -> &'static Engine {
    static E: OnceLock<Engine> = OnceLock::new();
    E.get_or_init(|| Engine::new(default_set()).expect("engine builds"))
}

fn cc(s: &str) -> CountryCode {
    CountryCode::parse(s).expect("code")
}

/// All (trigger, country, polarity) triples found, for the scored vocabulary.
fn found(title: &str, body: &str, declared: &[&str], year: Option<i32>) -> Vec<(String, String, String)> {
    let declared: Vec<CountryCode> = declared.iter().map(|c| cc(c)).collect();
    let a = engine().analyze(&DetectInput { title, body, declared: &declared, year, day: None });
    a.detections
        .iter()
        .filter(|d| crate::app::eval::SCORED.contains(&d.trigger.as_str()))
        .map(|d| {
            (d.trigger.to_string(), d.country.map_or("-".into(), |c| c.to_string()), d.polarity.to_string())
        })
        .collect()
}

/// `want` lists "trigger/CC" pairs that must be affirmed; every other affirmed scored pair fails.
fn check(body: &str, declared: &[&str], want: &[&str]) {
    check_full("", body, declared, None, want);
}

fn check_full(title: &str, body: &str, declared: &[&str], year: Option<i32>, want: &[&str]) {
    let got = found(title, body, declared, year);
    let mut affirmed: Vec<String> =
        got.iter().filter(|(_, _, p)| p == "affirmed").map(|(t, c, _)| format!("{t}/{c}")).collect();
    affirmed.sort();
    affirmed.dedup();
    let mut want: Vec<String> = want.iter().map(|s| s.to_string()).collect();
    want.sort();
    assert_eq!(affirmed, want, "\ntext: {body}\nall found: {got:?}");
}

/// The polarity of the only detection of `trigger`.
fn polarity_of(body: &str, trigger: &str) -> String {
    let got = found("", body, &["XX"].map(|_| "KZ"), Some(2024));
    let ps: Vec<&String> = got.iter().filter(|(t, _, _)| t == trigger).map(|(_, _, p)| p).collect();
    assert!(!ps.is_empty(), "no {trigger} in {body:?}: {got:?}");
    ps[0].clone()
}

#[test]
fn affirmed_measures() {
    for (text, want) in [
        ("A state of emergency is in place across the country.", "state_of_emergency/KZ"),
        ("Authorities imposed a nationwide curfew from 9pm to 5am.", "curfew/KZ"),
        ("Security forces fired live rounds at demonstrators in Almaty.", "live_ammunition/KZ"),
        ("Police opened fire on protesters outside the governor's office.", "live_ammunition/KZ"),
        ("All flights have been suspended and the main airport is closed.", "airport_closure/KZ"),
        ("Mobile internet was cut off across the country on Wednesday.", "internet_shutdown/KZ"),
        ("Access to WhatsApp and Facebook has been blocked.", "internet_shutdown/KZ"),
        ("Banks remain closed and cash withdrawals are capped.", "banking_suspension/KZ"),
        ("Foreign nationals are barred from entering the country until further notice.", "entry_ban/KZ"),
        ("The land borders were closed overnight.", "entry_ban/KZ"),
        ("The president declared martial law in the eastern provinces.", "martial_law/KZ"),
        ("The embassy announced the ordered departure of non-emergency staff.", "evacuation/KZ"),
        ("The state of emergency was lifted on Monday.", "state_of_emergency_lifted/KZ"),
        ("The government has ended its state of emergency.", "state_of_emergency_lifted/KZ"),
    ] {
        check(text, &["KZ"], &[want]);
    }
}

#[test]
fn negation() {
    for text in [
        "There is no evidence that live ammunition was used.",
        "Police deny using live bullets against the crowd.",
        "No curfew has been imposed.",
        "Officials said claims that live rounds were fired are fake.",
        "The unrest did not lead to any internet shutdown.",
    ] {
        check(text, &["KZ"], &[]);
    }
    assert_eq!(polarity_of("No curfew has been imposed.", "curfew"), "negated");
    // A negated lift means the measure still holds.
    check("The state of emergency has not been lifted.", &["KZ"], &["state_of_emergency/KZ"]);
}

#[test]
fn hypothetical_and_habitual() {
    for text in [
        "The government may declare a state of emergency if protests continue.",
        "Authorities could impose a curfew at short notice.",
        "In the event of further unrest, the airport could close.",
        "Curfews and checkpoints may be imposed with little or no warning.",
        "Disruptions to internet and phone service can occur at any time.",
        "Internet and mobile phone outages are common during protests.",
        "The border with the neighbouring state is frequently closed at short notice.",
        "The government has previously shut down the internet during unrest.",
        "Reconsider travel to the country due to crime, terrorism and communications disruptions.",
        "Parliament must approve elections within six months after a state of emergency is lifted.",
    ] {
        check(text, &["KZ"], &[]);
    }
    assert_eq!(
        polarity_of("The government may declare a state of emergency.", "state_of_emergency"),
        "hypothetical"
    );
    assert_eq!(polarity_of("Internet outages are common during protests.", "internet_shutdown"), "habitual");
}

#[test]
fn historical() {
    check_full("", "The embassy was placed on ordered departure in July 2019.", &["KZ"], Some(2024), &[]);
    check_full("", "A curfew was in force during 2016.", &["KZ"], Some(2024), &[]);
    // "since" a past year means it still holds; a same-year date is current.
    check_full(
        "",
        "A state of emergency has been in force since 2015.",
        &["KZ"],
        Some(2024),
        &["state_of_emergency/KZ"],
    );
    check_full("", "On 5 January 2024 a curfew was imposed.", &["KZ"], Some(2024), &["curfew/KZ"]);
    assert_eq!(polarity_of("A curfew was in force in 2016.", "curfew"), "historical");
}

#[test]
fn lifted_and_advice_and_staff() {
    for text in [
        "The curfew was lifted on Friday.",
        "Martial law was revoked by parliament hours later.",
        "The ordered departure status was lifted in June.",
        "Internet access has been restored in the capital.",
        "Have evacuation plans that do not rely on government assistance.",
        "Buy insurance that includes medical evacuation.",
        "Travelers should prepare to evacuate at short notice.",
        "U.S. government employees must observe a strict curfew.",
        "The FAA has prohibited U.S. civil aviation flights, citing airspace risks, and flights were suspended for U.S. carriers.",
        "The so-called curfew exists only in rumours.",
    ] {
        check(text, &["KZ"], &[]);
    }
    // A measure without an all-clear trigger stays, lifted …
    assert_eq!(
        polarity_of("The suspension of banking operations was lifted on Friday.", "banking_suspension"),
        "lifted"
    );
    // … one with an all-clear turns into it.
    for (text, clear) in [
        ("Martial law was lifted on Friday.", "martial_law_ended"),
        ("Internet access has been restored in the capital.", "internet_restored"),
        ("Almaty airport reopened on 10 January after a five-day closure.", "airport_reopened"),
        ("The ban on foreigners entering the country was lifted.", "border_reopened"),
    ] {
        let a = engine().analyze(&DetectInput {
            title: "",
            body: text,
            declared: &[cc("KZ")],
            year: None,
            day: None,
        });
        let ids: Vec<&str> = a.affirmed().map(|d| d.trigger.as_str()).collect();
        assert_eq!(ids, [clear], "{text}");
    }
    let a = engine().analyze(&DetectInput {
        title: "",
        body: "The curfew was lifted on Friday.",
        declared: &[cc("KZ")],
        year: None,
        day: None,
    });
    let ids: Vec<&str> = a.affirmed().map(|d| d.trigger.as_str()).collect();
    assert_eq!(ids, ["curfew_lifted"]);
    assert_eq!(polarity_of("U.S. government employees must observe a curfew.", "curfew"), "staff_only");
    assert_eq!(
        polarity_of("Prepare to evacuate with other foreign nationals by road.", "evacuation"),
        "advice"
    );
}

#[test]
fn traps() {
    // Rubber bullets are not live ammunition.
    check("Police dispersed the crowd with tear gas and rubber bullets.", &["TH"], &[]);
    check("Police fired rubber bullets at protesters.", &["TH"], &[]);
    // A state of emergency that may be declared fires nothing.
    check("The cabinet may declare a state of emergency next week.", &["TH"], &[]);
    // A member list fires nothing for the members.
    check(
        "The alliance's members are Russia, Armenia, Belarus, Kazakhstan, Kyrgyzstan and Tajikistan.",
        &["KZ"],
        &[],
    );
    // Only the lifted trigger fires for a lifted state of emergency.
    check("The state of emergency was lifted yesterday.", &["MD"], &["state_of_emergency_lifted/MD"]);
    // A live-fire exercise is not live ammunition against people.
    check("The army held a live-fire exercise near the border.", &["KZ"], &[]);
}

#[test]
fn attribution() {
    // A place in the same clause wins over the subject country.
    check("Neighbouring Uzbekistan closed its borders on Tuesday.", &["KZ"], &["entry_ban/UZ"]);
    // Several countries acting in one clause all get it.
    check_full(
        "",
        "Japan joined Israel and Morocco in barring all foreign travellers.",
        &[],
        None,
        &["entry_ban/IL", "entry_ban/JP", "entry_ban/MA"],
    );
    // A border *with* a country is the neighbour's mention, not its measure.
    check("Sudan's border with Chad is currently closed.", &["SD"], &["entry_ban/SD"]);
    // A foreign actor acting in the subject country: the subject country.
    check("Russian troops opened fire on protesters in the city.", &["KZ"], &["live_ammunition/KZ"]);
    // A demonym of the subject's security forces.
    check(
        "Kazakhstani security personnel used lethal force against protesters.",
        &[],
        &["live_ammunition/KZ"],
    );
    // A city names its country.
    check_full("", "A curfew is in force in Almaty after clashes.", &[], None, &["curfew/KZ"]);
    // "-led" makes an organisation, not a place.
    check(
        "The Russian-led alliance said a state of emergency is in place across the country.",
        &["KZ"],
        &["state_of_emergency/KZ"],
    );
    // Far-off countries in a long clause do not inherit the trigger.
    check(
        "The government declared martial law throughout Armenia and a general mobilisation to confront the offensive launched against a territory broken off from Azerbaijan decades ago.",
        &["AM"],
        &["martial_law/AM"],
    );
}

#[test]
fn title_subject_and_city_fields() {
    let a = engine().analyze(&DetectInput {
        title: "Peru: curfew imposed in Cusco",
        body: "The curfew runs from 8pm to 4am.",
        declared: &[],
        year: Some(2022),
        day: None,
    });
    assert_eq!(a.primary_country, Some(cc("PE")));
    let d = a.affirmed().find(|d| d.trigger.as_str() == "curfew").expect("curfew");
    assert_eq!(d.country, Some(cc("PE")));
    assert_eq!(d.city.as_deref(), Some("Cusco"));
    assert_eq!(d.section, Section::Title);
}

#[test]
fn ambiguous_place_names() {
    // Georgia as a US state context is not the country when the subject is the US...
    let a = engine().analyze(&DetectInput {
        title: "",
        body: "Nice weather in the city; Mobile phones work.",
        declared: &[],
        year: None,
        day: None,
    });
    assert!(a.primary_country.is_none(), "common words are not places: {:?}", a.primary_country);
    // ...but "Male" is the Maldives' capital when the Maldives is the subject.
    check("A curfew was imposed in Male after protests.", &["MV"], &["curfew/MV"]);
    // Lower-case words never match places.
    let a = engine().analyze(&DetectInput {
        title: "",
        body: "the chad and the turkey were cooked",
        declared: &[],
        year: None,
        day: None,
    });
    assert!(a.primary_country.is_none());
}

#[test]
fn french_text() {
    check_full(
        "Burkina Faso : les frontières fermées",
        "Les frontières terrestres et aériennes sont fermées. Un couvre-feu est instauré de 21h à 5h sur toute l'étendue du territoire national.",
        &[],
        Some(2022),
        &["airport_closure/BF", "curfew/BF", "entry_ban/BF"],
    );
}

#[test]
fn evidence_spans_point_into_the_original() {
    let body = "Intro line.\n\n  • Security officials\u{2019} use of live\u{a0}ammunition was confirmed.";
    let a = engine().analyze(&DetectInput { title: "", body, declared: &[cc("KZ")], year: None, day: None });
    let d = a.affirmed().find(|d| d.trigger.as_str() == "live_ammunition").expect("fires");
    assert_eq!(&body[d.span.0..d.span.1], d.evidence);
    assert_eq!(&body[d.matched.0..d.matched.1], "live\u{a0}ammunition");
    assert!(d.confidence > 0.5 && d.confidence <= 1.0);
}

#[test]
fn never_panics_on_odd_text() {
    let e = engine();
    for body in [
        "",
        " ",
        "\u{FEFF}",
        ".",
        "...",
        "a\u{0301}",
        "state of emergency",
        "\n\n\n",
        "é".repeat(1000).as_str(),
        "(((",
        "U.S.",
        "1.2.3.",
    ] {
        let _ = e.analyze(&DetectInput { title: body, body, declared: &[], year: Some(2020), day: None });
    }
}

#[test]
fn from_places() {
    // Evacuations leave a country: the country after "from" is affected, the evacuating one is
    // only mentioned.
    check(
        "France evacuated its citizens and other foreign nationals from Sudan on Sunday.",
        &["SD"],
        &["evacuation/SD"],
    );
    // Entry bans hold where they are imposed, not for the travellers' origin.
    check("Japan barred foreign travellers arriving from South Africa.", &["JP"], &["entry_ban/JP"]);
    // Some cancelled flights are not an airport closure.
    check("Several flights were cancelled because of fog.", &["KZ"], &[]);
}

#[test]
fn georgia_the_state_and_nice_the_city() {
    // A US state that shares a country's name is not the country.
    check_full("", "A curfew was imposed in Atlanta, Georgia after the riots.", &[], None, &["curfew/US"]);
    check_full("", "A curfew was imposed in Tbilisi, Georgia after the riots.", &[], None, &["curfew/GE"]);
    // A city that is also an English word counts in its own country.
    check("The airport in Nice was closed after the attack.", &["FR"], &["airport_closure/FR"]);
    check("Nice weather is expected; the airport was closed for an hour.", &["KZ"], &["airport_closure/KZ"]);
}

#[test]
fn more_real_world_shapes() {
    // A rule an embassy imposes on its own people is not a curfew for travellers.
    check("The U.S. Embassy in Bamako has imposed a curfew on its personnel.", &["ML"], &[]);
    // Preparing to evacuate is not an evacuation yet.
    check("France said it was preparing to evacuate its citizens from Niamey.", &["NE"], &[]);
    // Closed air borders close the airports.
    check_full(
        "",
        "The junta announced the closure of land and air borders until further notice.",
        &["NE"],
        None,
        &["airport_closure/NE", "entry_ban/NE"],
    );
    // A state of emergency declared years ago that "remains in effect" holds.
    check_full(
        "",
        "The government declared a state of emergency in 2015 which remains in effect.",
        &["ML"],
        Some(2024),
        &["state_of_emergency/ML"],
    );
    // An extension is not a lifting.
    check("Parliament voted to extend martial law for another 90 days.", &["UA"], &["martial_law/UA"]);
}
