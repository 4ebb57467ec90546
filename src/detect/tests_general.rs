//! Tests of the general rules behind detection on unseen advisories: whose country a measure
//! is, entry bans, time and modality, vocabulary, French and Spanish. Every sentence was
//! written for these tests; near-misses sit beside the cases they must not be confused with.

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

fn analyze(title: &str, body: &str, declared: &[&str], year: Option<i32>) -> Analysis {
    let declared: Vec<CountryCode> = declared.iter().map(|c| cc(c)).collect();
    engine().analyze(&DetectInput { title, body, declared: &declared, year, day: None })
}

/// Affirmed "trigger/CC" pairs for the scored vocabulary, sorted and deduplicated.
fn affirmed(title: &str, body: &str, declared: &[&str], year: Option<i32>) -> Vec<String> {
    scored_pairs(&analyze(title, body, declared, year))
}

/// An analysis's affirmed "trigger/CC" pairs of the scored vocabulary, sorted, deduplicated.
fn scored_pairs(a: &Analysis) -> Vec<String> {
    let mut v: Vec<String> = a
        .affirmed()
        .filter(|d| crate::app::eval::SCORED.contains(&d.trigger.as_str()))
        .map(|d| format!("{}/{}", d.trigger, d.country.map_or("-".into(), |c| c.to_string())))
        .collect();
    v.sort();
    v.dedup();
    v
}

fn expect(title: &str, body: &str, declared: &[&str], year: Option<i32>, want: &[&str]) {
    let got = affirmed(title, body, declared, year);
    let mut want: Vec<String> = want.iter().map(|s| s.to_string()).collect();
    want.sort();
    assert_eq!(got, want, "\ntitle: {title}\nbody: {body}\nall: {:?}", analyze(title, body, declared, year));
}

#[test]
fn a_sea_or_harbour_named_after_a_country_is_not_that_country() {
    // The feature's name starts with a demonym or a country name; the place is elsewhere.
    let a = analyze(
        "",
        "Ferries from Dutch Harbor were suspended; the airport in Anchorage is closed.",
        &[],
        None,
    );
    assert_ne!(a.primary_country, Some(cc("NL")), "{a:?}");
    assert!(a.affirmed().all(|d| d.country != Some(cc("NL"))), "{a:?}");
    let a = analyze("", "Naval drills continued in the South China Sea on Monday.", &[], None);
    assert_ne!(a.primary_country, Some(cc("CN")), "{a:?}");
    // Near misses: the same words as an adjective of the country itself still count.
    expect("", "Dutch authorities closed Schiphol airport.", &[], None, &["airport_closure/NL"]);
    expect("", "China closed its borders to all foreign travellers.", &[], None, &["entry_ban/CN"]);
}

#[test]
fn the_subject_is_not_an_actors_demonym() {
    // A headline that names the place, then the foreign force acting there.
    expect(
        "Moldova: Romanian-backed units, airport shut, internet blackout",
        "",
        &[],
        None,
        &["airport_closure/MD", "internet_shutdown/MD"],
    );
    // Two demonyms before one actor noun are both actors.
    expect(
        "",
        "Chisinau airport, now guarded by Romanian and Moldovan troops, was still closed to civilian planes.",
        &[],
        None,
        &["airport_closure/MD"],
    );
    // Near miss: a demonym used as the place ("Moldovan airspace") is the place.
    expect(
        "",
        "Moldovan airspace is closed to civil aviation.",
        &[],
        None,
        &["airport_closure/MD", "entry_ban/MD"],
    );
}

#[test]
fn countries_that_act_on_another_are_not_affected() {
    // The one that sends troops or evacuates is an actor; the destination is the place.
    let a = analyze(
        "",
        "Turkey has said it has sent its first army brigade to Azerbaijan. A curfew is in force in Azerbaijan.",
        &[],
        None,
    );
    assert!(a.affirmed().all(|d| d.country != Some(cc("TR"))), "{a:?}");
    expect(
        "",
        "Britain is evacuating its nationals from Sudan on military flights.",
        &[],
        None,
        &["evacuation/SD"],
    );
    expect(
        "",
        "Canada and Japan dispatched aircraft to evacuate foreign nationals from Haiti.",
        &[],
        None,
        &["evacuation/HT"],
    );
    // Near miss: a country imposing a measure on itself keeps it.
    expect("", "Peru declared a state of emergency on Monday.", &[], None, &["state_of_emergency/PE"]);
}

#[test]
fn neighbours_and_opponents_do_not_inherit_a_measure() {
    expect("Laos imposes curfew in provinces bordering Vietnam and Cambodia", "", &[], None, &["curfew/LA"]);
    expect(
        "",
        "Amid fighting with Eritrea, Ethiopia on Sunday declared a state of emergency in two regions.",
        &[],
        None,
        &["state_of_emergency/ET"],
    );
    // A border list: every country after "borders of" is a neighbour, not just the first.
    let a = analyze(
        "Niger travel advisory",
        "Borders of Mali, Burkina Faso and Nigeria - Level 4: Do Not Travel.",
        &["NE"],
        None,
    );
    for c in ["ML", "BF", "NG"] {
        assert!(a.affirmed().all(|d| d.country != Some(cc(c))), "{c} in {a:?}");
    }
}

#[test]
fn territories_are_their_own_place() {
    // The sovereign declaring a measure for its territory declares it for the territory.
    expect(
        "Unrest in Guadeloupe",
        "France has declared a state of emergency and sent police reinforcements to the island.",
        &["GP"],
        None,
        &["state_of_emergency/GP"],
    );
    expect(
        "",
        "Flights were sent to the French territory of Martinique to evacuate tourists.",
        &[],
        None,
        &["evacuation/MQ"],
    );
    // Near miss: a curfew in the sovereign's own land stays the sovereign's.
    expect("", "A curfew was imposed in France after the riots.", &["GP"], None, &["curfew/FR"]);
    assert_eq!(cc("PR").sovereign(), Some(cc("US")));
    assert_eq!(cc("FR").sovereign(), None);
}

#[test]
fn occupied_regions_and_the_locative_place() {
    // The place where a measure holds outranks the one declaring it.
    expect(
        "",
        "Russia declared martial law in four occupied Ukrainian regions on Wednesday.",
        &[],
        None,
        &["martial_law/UA"],
    );
}

#[test]
fn every_city_named_gets_the_detection() {
    let a = analyze("", "Authorities imposed curfews in Kathmandu and Pokhara on Tuesday.", &["NP"], None);
    let mut cities: Vec<&str> =
        a.affirmed().filter(|d| d.trigger.as_str() == "curfew").filter_map(|d| d.city.as_deref()).collect();
    cities.sort();
    assert_eq!(cities, ["Kathmandu", "Pokhara"], "{a:?}");
    // A city named without its country still finds the country.
    expect("", "A night curfew was imposed in Mandalay after the clashes.", &[], None, &["curfew/MM"]);
}

#[test]
fn entry_bans_in_their_many_forms() {
    for (text, want) in [
        (
            "Georgia closed its airspace to all civil flights on Friday.",
            &["airport_closure/GE", "entry_ban/GE"][..],
        ),
        (
            "All international passenger flights into Nepal have been suspended.",
            &["airport_closure/NP", "entry_ban/NP"],
        ),
        ("Kenya closed its land borders with immediate effect.", &["entry_ban/KE"]),
        ("Oman bars entry to citizens of Iran and Iraq from Monday.", &["entry_ban/OM"]),
        ("Oman suspended arrivals from India and Pakistan on Monday.", &["entry_ban/OM"]),
    ] {
        expect("", text, &[], None, want);
    }
    // Near misses: a partial airspace closure is not an entry ban; an exit ban is not one.
    expect(
        "",
        "Parts of the airspace over Syria are closed to civil flights.",
        &[],
        None,
        &["airport_closure/SY"],
    );
    expect("", "Libya imposed an exit ban on foreign workers.", &[], None, &[]);
}

#[test]
fn time_and_modality_of_official_advice() {
    // Habitual, staff-only, powers a law grants, generic advice, lifted, removed.
    for text in [
        "Internet outages are common in rural areas.",
        "Curfews are sometimes imposed at short notice.",
        "U.S. government employees must observe a curfew from 10 p.m.",
        "A new security law allows the authorities to set curfews and close airports.",
        "Obey all curfews and the instructions of local police.",
    ] {
        expect("", text, &["TD"], Some(2025), &[]);
    }
    expect("", "The curfew was lifted on Sunday.", &["TD"], Some(2025), &[]);
    // A measure announced for tomorrow fires (it takes effect within 48 hours).
    expect(
        "",
        "The government will impose a curfew from tomorrow night.",
        &["TD"],
        Some(2025),
        &["curfew/TD"],
    );
    // An all-clear phrase does not also fire the measure it clears.
    expect(
        "",
        "Updated to reflect the end of the state of emergency on 2 March.",
        &["TD"],
        Some(2025),
        &["state_of_emergency_lifted/TD"],
    );
    // A retrospective report dated in its title.
    expect(
        "Timeline: 14 March 2023 - curfew, shoot on sight",
        "The army enforced a curfew and troops were ordered to shoot on sight.",
        &["TD"],
        Some(2025),
        &[],
    );
}

#[test]
fn vocabulary_of_real_advisories() {
    for (text, want) in [
        ("Connectivity fell to five percent of normal levels on Thursday.", "internet_shutdown/BD"),
        ("Authorities have blocked Instagram and Telegram since Monday.", "internet_shutdown/BD"),
        ("Mobile data has been cut off in the capital.", "internet_shutdown/BD"),
        ("A stay-at-home order is in force for the whole population.", "curfew/BD"),
        ("The president proclaimed a state of siege in the north.", "state_of_emergency/BD"),
        ("The central bank announced capital controls and a bank holiday.", "banking_suspension/BD"),
    ] {
        expect("", text, &["BD"], None, &[want]);
    }
}

#[test]
fn french_sentences_with_their_modifiers() {
    expect(
        "",
        "Le gouvernement a décrété l'état d'urgence sur tout le territoire.",
        &["SN"],
        None,
        &["state_of_emergency/SN"],
    );
    expect("", "Un couvre-feu est en vigueur à Dakar depuis samedi.", &["SN"], None, &["curfew/SN"]);
    expect(
        "",
        "Les autorités ont annoncé la fermeture des frontières terrestres.",
        &["SN"],
        None,
        &["entry_ban/SN"],
    );
    expect("", "Le couvre-feu a été levé lundi matin.", &["SN"], None, &[]);
    expect("", "Le gouvernement n'a pas décrété la loi martiale.", &["SN"], None, &[]);
    expect("", "Un couvre-feu pourrait être instauré dans les prochains jours.", &["SN"], None, &[]);
}

#[test]
fn spanish_sentences_with_their_modifiers() {
    expect(
        "",
        "El gobierno declaró el estado de excepción en tres provincias.",
        &["EC"],
        None,
        &["state_of_emergency/EC"],
    );
    expect("", "Rige un toque de queda nocturno en Guayaquil.", &["EC"], None, &["curfew/EC"]);
    expect(
        "",
        "Las autoridades anunciaron el cierre del espacio aéreo.",
        &["EC"],
        None,
        &["airport_closure/EC", "entry_ban/EC"],
    );
    expect("", "El gobierno levantó el toque de queda el domingo.", &["EC"], None, &[]);
    expect("", "El presidente no ha declarado la ley marcial.", &["EC"], None, &[]);
    expect("", "Las autoridades podrían imponer un toque de queda.", &["EC"], None, &[]);
}

#[test]
fn the_seed_contract_on_a_paraphrase() {
    // Our own paraphrase of the seed's situation: only the subject gets anything, for every
    // trigger (extras included); the countries only named get nothing.
    let title = "Kazakhstan: emergency rule, blocked border, troops from allies";
    let body = "Kazakhstan's president declared a state of emergency across the country on Wednesday \
        and the authorities closed the borders to foreigners. Security forces used live \
        ammunition against protesters in Almaty. Banks were closed and the internet was cut off \
        nationwide. Russia has said it has sent an airborne brigade to Kazakhstan, and units from \
        Armenia, Belarus, Kyrgyzstan and Tajikistan followed. China said it was watching closely.";
    let a = analyze(title, body, &[], Some(2022));
    for c in ["RU", "AM", "BY", "KG", "TJ", "CN"] {
        let bad: Vec<&Detection> = a.affirmed().filter(|d| d.country == Some(cc(c))).collect();
        assert!(bad.is_empty(), "{c}: {bad:?}");
    }
    expect(
        title,
        body,
        &[],
        Some(2022),
        &[
            "banking_suspension/KZ",
            "entry_ban/KZ",
            "internet_shutdown/KZ",
            "live_ammunition/KZ",
            "state_of_emergency/KZ",
        ],
    );
}

#[test]
fn a_language_without_cues_is_refused_in_trigger_files() {
    let src = "[[trigger]]\nid = \"x\"\nname = \"X\"\nseverity = \"low\"\nphrases = [\"alpha beta\"]\n\
               [trigger.lang.de]\nphrases = [\"ausgangssperre\"]\n";
    let err = match crate::config::triggers::parse_sources(&[("t.toml".into(), src.into())]) {
        Ok(_) => panic!("a language without cues was accepted"),
        Err(e) => e,
    };
    assert!(err.to_string().contains("\"de\""), "{err}");
    let ok = "[[trigger]]\nid = \"x\"\nname = \"X\"\nseverity = \"low\"\nphrases = [\"alpha beta\"]\n\
              [trigger.lang.fr]\nphrases = [\"couvre-feu\"]\n";
    assert!(crate::config::triggers::parse_sources(&[("t.toml".into(), ok.into())]).is_ok());
}

#[test]
fn a_lift_reported_without_the_measures_own_words() {
    // The lede says access is being restored; the body's account of the block is history.
    let a = analyze(
        "",
        "Access to Facebook and WhatsApp in Jordan was being restored on Sunday evening, monitors \
         said. Users first noticed the social media block on Friday night.",
        &["JO"],
        None,
    );
    assert!(a.affirmed().all(|d| d.trigger.as_str() != "internet_shutdown"), "{a:?}");
    // Near miss: a lone subject word with no lift cue is no detection at all.
    expect("", "Facebook and WhatsApp are popular in Jordan.", &["JO"], None, &[]);
    // "Briefly" closed means it reopened.
    expect("", "The airport in Amman was briefly closed on Saturday.", &["JO"], None, &[]);
}

#[test]
fn the_country_refers_back_to_the_one_just_named() {
    expect(
        "Azerbaijan declares martial law",
        "Azerbaijan declared martial law on Sunday. Earlier, Armenia announced the same step. \
         The country's government has introduced martial law and a general mobilisation.",
        &[],
        None,
        &["martial_law/AM", "martial_law/AZ"],
    );
}

#[test]
fn concessive_and_generic_clauses_do_not_colour_the_measure() {
    // "even if … previously" belongs to its own clause.
    expect(
        "",
        "The government of Jordan prohibits border crossings from Syria into Jordan, even if the \
         traveller previously entered Syria from Jordan.",
        &["JO"],
        None,
        &["entry_ban/JO"],
    );
    // A generic condition makes the statement habitual.
    expect(
        "",
        "The government has restricted mobile internet during and after periods of unrest.",
        &["JO"],
        None,
        &[],
    );
}

#[test]
fn headings_lists_of_powers_and_bound_lifts() {
    // A bare heading takes the time of the sentence under it.
    expect(
        "",
        "Ordered Departure\nOn 3 March 2021, the embassy ordered the departure of its non-emergency staff.",
        &["MG"],
        Some(2024),
        &[],
    );
    // Near miss: the same heading over a current order fires.
    expect(
        "",
        "Ordered Departure\nThe embassy ordered the departure of its non-emergency staff today.",
        &["MG"],
        Some(2024),
        &["evacuation/MG"],
    );
    // Items under "authorities can:" are powers, not measures.
    expect(
        "",
        "Under the emergency decree, the police can:\n- Set curfews\n- Close the airports\n",
        &["MG"],
        None,
        &["state_of_emergency/MG"],
    );
    // "after lifting of the state of emergency" lifts that, not the curfew beside it.
    expect(
        "Madagascar: curfew to persist after lifting of state of emergency",
        "",
        &[],
        None,
        &["curfew/MG", "state_of_emergency_lifted/MG"],
    );
}

#[test]
fn more_vocabulary_for_bans_and_outages() {
    for (text, want) in [
        (
            "Malawi shut down all flights in the country on Monday.",
            &["airport_closure/MW", "entry_ban/MW"][..],
        ),
        ("Malawi is banning new foreign arrivals from Tuesday.", &["entry_ban/MW"]),
        ("Officials have also banned the TikTok application in Malawi.", &["internet_shutdown/MW"]),
        ("Banks cited temporary failures in internet operation in Malawi.", &["internet_shutdown/MW"]),
    ] {
        expect("", text, &[], None, want);
    }
    // Modality after a long subject: "… can take place at any time".
    expect(
        "",
        "Police operations, curfews and road closures, and attacks by gangs can take place at any time.",
        &["MW"],
        None,
        &[],
    );
}

#[test]
fn sub_national_scope_is_carried() {
    let a = analyze(
        "",
        "The government extended the state of emergency in Pattani, Yala and Narathiwat provinces.",
        &["TH"],
        None,
    );
    let d = a.affirmed().find(|d| d.trigger.as_str() == "state_of_emergency").expect("detected");
    assert!(d.subnational);
    assert_eq!(d.regions, ["Pattani", "Yala", "Narathiwat"]);
    // Part of the country without names: sub-national, no regions.
    let a = analyze("", "A state of emergency covers 17 districts in the far south.", &["TH"], None);
    let d = a.affirmed().next().expect("detected");
    assert!(d.subnational && d.regions.is_empty());
    // Nationwide stays national.
    let a = analyze("", "A nationwide state of emergency is in force in all provinces.", &["TH"], None);
    assert!(a.affirmed().all(|d| !d.subnational));
}

#[test]
fn french_and_spanish_country_names_and_measures() {
    // Country names as French and Spanish write them, with prepositions and accents.
    expect(
        "",
        "Les réseaux sociaux sont bloqués en Guinée depuis dimanche.",
        &[],
        None,
        &["internet_shutdown/GN"],
    );
    expect(
        "",
        "Les connexions internet sont fortement perturbées au Cameroun depuis lundi.",
        &[],
        None,
        &["internet_shutdown/CM"],
    );
    expect(
        "",
        "Les banques resteront fermées jusqu'à lundi en Haïti.",
        &[],
        None,
        &["banking_suspension/HT"],
    );
    expect(
        "",
        "L'espace aérien du Niger est fermé à tous les vols civils.",
        &[],
        None,
        &["airport_closure/NE", "entry_ban/NE"],
    );
    expect(
        "",
        "Les frontières terrestres et aériennes du Burkina Faso sont fermées jusqu'à nouvel ordre.",
        &[],
        None,
        &["airport_closure/BF", "entry_ban/BF"],
    );
    expect("", "Las fronteras terrestres de Venezuela permanecen cerradas.", &[], None, &["entry_ban/VE"]);
    expect(
        "",
        "Se suspenden todos los vuelos internacionales hacia y desde Bolivia.",
        &[],
        None,
        &["airport_closure/BO", "entry_ban/BO"],
    );
    expect(
        "",
        "El gobierno de Cuba restringió el acceso a internet tras las protestas.",
        &[],
        None,
        &["internet_shutdown/CU"],
    );
    expect(
        "",
        "Los bancos permanecerán cerrados en Argentina hasta el lunes.",
        &[],
        None,
        &["banking_suspension/AR"],
    );
    expect(
        "",
        "Las fuerzas de seguridad usaron armas de fuego contra los manifestantes en Managua.",
        &[],
        None,
        &["live_ammunition/NI"],
    );
    // Near misses: a partial closure, a restored service.
    expect("", "L'espace aérien du Niger est partiellement fermé.", &[], None, &["airport_closure/NE"]);
    expect("", "El acceso a internet fue restablecido en Cuba.", &[], None, &[]);
}

#[test]
fn french_and_spanish_evacuations_belong_to_the_country_left() {
    // The evacuating country acts (its verb follows it); the country left is the place.
    expect(
        "",
        "La France organise l'évacuation de ses ressortissants du Niger.",
        &[],
        None,
        &["evacuation/NE"],
    );
    expect("", "España evacúa a sus ciudadanos de Haití.", &[], None, &["evacuation/HT"]);
    expect("", "España ha evacuado a sus ciudadanos de Haití.", &[], None, &["evacuation/HT"]);
    // Near miss: an evacuation plan is advice.
    expect("", "Préparez un plan d'évacuation si vous résidez au Niger.", &[], None, &[]);
}

#[test]
fn french_and_spanish_neighbours_across_a_border() {
    expect("", "Le Sénégal a fermé ses frontières avec la Gambie.", &[], None, &["entry_ban/SN"]);
    expect("", "Nicaragua cerró su frontera con Costa Rica.", &[], None, &["entry_ban/NI"]);
}

#[test]
fn french_and_spanish_lifts_and_history() {
    let a = analyze("", "L'état d'urgence n'est plus en vigueur en Tunisie depuis le 1er mai.", &[], None);
    assert!(a.affirmed().all(|d| d.trigger.as_str() != "state_of_emergency"), "{a:?}");
    assert!(a.affirmed().any(|d| d.trigger.as_str() == "state_of_emergency_lifted"), "{a:?}");
    // A time adverbial at the head of a long sentence dates all of it.
    expect(
        "",
        "Lors des précédentes manifestations, les forces de l'ordre ont fait usage de gaz lacrymogène et de balles réelles à Conakry.",
        &[],
        None,
        &[],
    );
    expect(
        "",
        "In the past, police in Nairobi have used water cannons, tear gas and live ammunition against crowds.",
        &[],
        None,
        &[],
    );
    // Near miss: the same measure reported today.
    expect(
        "",
        "Les forces de l'ordre ont fait usage de balles réelles à Conakry ce lundi.",
        &[],
        None,
        &["live_ammunition/GN"],
    );
}

#[test]
fn the_month_may_is_not_a_modal() {
    expect(
        "",
        "On 1 May the Department of State ordered the departure of non-emergency staff from Niger.",
        &[],
        Some(2026),
        &["evacuation/NE"],
    );
    expect(
        "",
        "Since May the border with Chad has been closed by Sudan.",
        &[],
        Some(2026),
        &["entry_ban/SD"],
    );
    // Near misses: the verb, in a sentence and in a headline's capitals.
    expect("", "Authorities in Dhaka may impose a curfew tonight.", &[], None, &[]);
    expect("Bangladesh: Authorities May Impose Curfew in Dhaka", "", &[], None, &[]);
}

#[test]
fn a_lift_dated_in_a_past_year_is_history() {
    let a = analyze(
        "",
        "Authorities in Sri Lanka declared a state of emergency on 3 May 2022 and lifted it on 20 May 2022.",
        &[],
        Some(2026),
    );
    assert!(a.affirmed().next().is_none(), "{a:?}");
    // Near miss: declared in a past year, lifted now — that is news.
    let a = analyze(
        "",
        "The state of emergency declared in 2022 was lifted in Sri Lanka on Monday.",
        &[],
        Some(2026),
    );
    assert!(a.affirmed().any(|d| d.trigger.as_str() == "state_of_emergency_lifted"), "{a:?}");
}

#[test]
fn its_refers_to_the_subject_before_the_measure() {
    expect(
        "",
        "Israel closed its airspace to civilian flights after rockets were fired from southern Lebanon.",
        &[],
        None,
        &["airport_closure/IL", "entry_ban/IL"],
    );
    // Near miss: without "its", the place after the measure is where it holds.
    expect("", "Rebels said the airport was closed in southern Lebanon.", &[], None, &["airport_closure/LB"]);
}

#[test]
fn an_airline_stopping_its_flights_is_not_an_airport_closure() {
    expect("", "Turkish Airlines suspended flights to Tbilisi until Wednesday.", &[], None, &[]);
    expect("", "Several airlines have suspended flights to Beirut.", &[], None, &[]);
    // Near miss: the authorities suspending all flights.
    expect("", "Georgian authorities closed Tbilisi airport on Monday.", &[], None, &["airport_closure/GE"]);
}

#[test]
fn a_law_listing_powers_is_not_the_measure() {
    expect(
        "",
        "Martial law allows the authorities to: • set curfews • close airports • restrict internet access",
        &["UA"],
        None,
        &[],
    );
    expect("", "Foreign nationals are no longer permitted to enter Vietnam.", &[], None, &["entry_ban/VN"]);
    expect(
        "",
        "The UK government is arranging charter flights to evacuate British nationals from Lebanon.",
        &[],
        None,
        &["evacuation/LB"],
    );
    // Near miss: several governments that plan an evacuation are not the place left.
    expect(
        "",
        "Belgium, France and the Netherlands have jointly planned to evacuate European nationals from Sudan.",
        &[],
        None,
        &["evacuation/SD"],
    );
}

#[test]
fn until_a_date_ends_a_measure_in_force() {
    expect(
        "New Caledonia",
        "The High Commission extended the curfew until July 29 and kept the international airport closed.",
        &[],
        None,
        &["airport_closure/NC", "curfew/NC"],
    );
    // Near miss: "until" before an event is a condition.
    expect("", "Travellers should stay in Nouméa until a curfew is declared.", &[], None, &[]);
}

#[test]
fn banks_not_operating_and_lists_in_other_languages() {
    expect(
        "",
        "The governor of Puerto Rico said banks and ATMs are not operating in San Juan.",
        &[],
        None,
        &["banking_suspension/PR"],
    );
    expect("", "Plusieurs compagnies aériennes ont suspendu leurs vols vers Bamako.", &[], None, &[]);
    // Both neighbours of a Spanish list stay neighbours.
    expect(
        "",
        "El gobierno de Venezuela anunció el cierre de la frontera con Colombia y Brasil.",
        &[],
        None,
        &["entry_ban/VE"],
    );
}

#[test]
fn a_date_opening_the_sentence_dates_every_clause() {
    expect(
        "",
        "In March 2019 the army declared a curfew in Mali; the airport in Bamako was shut for a week.",
        &[],
        Some(2023),
        &[],
    );
    // Near miss: the date is this year's, so the clause after it is news.
    expect(
        "",
        "On 4 March 2023 the army declared a curfew in Mali; the airport in Bamako is shut.",
        &[],
        Some(2023),
        &["airport_closure/ML", "curfew/ML"],
    );
    // Near miss: a past date that is only a starting point.
    expect("", "Since May 2021 a curfew has applied across Chad.", &[], Some(2023), &["curfew/TD"]);
    expect(
        "",
        "Roads to Goma were blocked for days at that time and the airport was closed.",
        &["CD"],
        Some(2023),
        &[],
    );
}

#[test]
fn habitual_words_about_the_hours_are_not_generic() {
    expect(
        "",
        "A curfew applies in Lviv and Odesa, usually between 11pm and 5am.",
        &[],
        None,
        &["curfew/UA"],
    );
    // Near misses: the same adverbs about the measure itself.
    expect("", "Curfews are usually imposed in Lviv after attacks.", &[], None, &[]);
    expect("", "Power cuts and internet outages are frequent in Lagos.", &[], None, &[]);
}

#[test]
fn the_country_left_and_the_countries_that_fly_people_out() {
    expect(
        "",
        "Canada began airlifting Canadian citizens from a base south of Kabul, after Italy and Spain finished their own flights.",
        &[],
        None,
        &["evacuation/AF"],
    );
    expect(
        "",
        "L'Espagne organise depuis ce matin l'évacuation de ses ressortissants qui veulent quitter le Liban.",
        &[],
        None,
        &["evacuation/LB"],
    );
    expect("", "Japan is evacuating its nationals who wish to leave Haiti.", &[], None, &["evacuation/HT"]);
    // Near miss: "its" pointing back at the country left.
    expect(
        "",
        "Chad ordered the departure of its non-essential foreign staff.",
        &[],
        None,
        &["evacuation/TD"],
    );
}

#[test]
fn a_measure_in_the_regions_of_a_country_is_that_countrys() {
    expect(
        "",
        "Russia's leader imposed martial law in the occupied regions of Ukraine that Moscow says it has absorbed.",
        &[],
        None,
        &["martial_law/UA"],
    );
    expect(
        "",
        "Curfews were declared in the southern provinces of Thailand, Bangkok said.",
        &[],
        None,
        &["curfew/TH"],
    );
}

#[test]
fn airports_and_airspace_in_more_words() {
    expect(
        "",
        "Kabul airport has cancelled all flights after crowds reached the runway.",
        &[],
        None,
        &["airport_closure/AF"],
    );
    // One airport stopping its flights does not close the country to arrivals.
    expect(
        "",
        "The airport in Mandalay suspended all flights on Friday.",
        &[],
        None,
        &["airport_closure/MM"],
    );
    expect(
        "",
        "Qatar and Bahrain closed their airspace to all traffic on Monday night.",
        &[],
        None,
        &["airport_closure/BH", "airport_closure/QA", "entry_ban/BH", "entry_ban/QA"],
    );
    expect(
        "",
        "Traffic data put connectivity in Syria at about 15 percent of ordinary levels.",
        &[],
        None,
        &["internet_shutdown/SY"],
    );
    expect(
        "",
        "The prime minister declared a public emergency across Sri Lanka.",
        &[],
        None,
        &["state_of_emergency/LK"],
    );
    // Near miss: a health emergency is not a state of emergency.
    expect("", "Sri Lanka declared a public health emergency over dengue.", &[], None, &[]);
}

#[test]
fn cities_known_by_another_spelling() {
    expect("Khorog: curfew", "A curfew was declared in Khorog on Monday.", &[], None, &["curfew/TJ"]);
    let a = analyze("", "A curfew is in force in Kathmandu, Lalitpur and Bhaktapur.", &[], None);
    let cities: Vec<&str> = a.affirmed().filter_map(|d| d.city.as_deref()).collect();
    assert_eq!(cities.len(), 3, "{a:?}");
}

#[test]
fn ending_a_measure_and_the_hours_it_ends_at() {
    expect("Chile ends its curfew", "", &[], None, &[]);
    // The year belongs to the start of the measure, not to the lift: the lift is news.
    let a = analyze(
        "",
        "Chile's government lifted the night curfew on Monday, ending a rule imposed in October 2019.",
        &[],
        Some(2021),
    );
    assert!(a.affirmed().any(|d| d.trigger.as_str() == "curfew_lifted"), "{a:?}");
    // Near miss: "ends at" gives the hours of a curfew in force.
    expect("", "In Santiago the curfew ends at 5am each day.", &[], None, &["curfew/CL"]);
}

#[test]
fn ruled_out_and_spanish_dates() {
    expect("", "Ghana's president has ruled out declaring a state of emergency.", &[], None, &[]);
    expect("", "El gobierno de Chile descartó decretar el toque de queda.", &[], None, &[]);
    expect(
        "",
        "En marzo de 2015 el gobierno de Venezuela cerró la frontera con Colombia.",
        &[],
        Some(2020),
        &[],
    );
    // Near miss: this year's date is news.
    expect(
        "",
        "En marzo de 2020 el gobierno de Venezuela cerró la frontera con Colombia.",
        &[],
        Some(2020),
        &["entry_ban/VE"],
    );
}

#[test]
fn departures_authorised_and_airports_without_flights() {
    expect(
        "",
        "On 2 May the Department authorized the departure of family members from Embassy Kinshasa.",
        &["CD"],
        None,
        &["evacuation/CD"],
    );
    expect(
        "",
        "No flights are operating at Aden airport after the strike.",
        &[],
        None,
        &["airport_closure/YE"],
    );
}

#[test]
fn refugees_from_a_neighbour_and_a_measure_decided_to_end() {
    expect(
        "",
        "Poland's cabinet approved a state of emergency as migrants crossed from neighbouring Belarus.",
        &[],
        None,
        &["state_of_emergency/PL"],
    );
    let a =
        analyze("", "Peru's state of emergency will not be extended when it runs out on Friday.", &[], None);
    assert!(a.affirmed().any(|d| d.trigger.as_str() == "state_of_emergency_lifted"), "{a:?}");
    assert!(!a.affirmed().any(|d| d.trigger.as_str() == "state_of_emergency"), "{a:?}");
}

#[test]
fn drills_withdrawal_caps_and_flying_people_out() {
    expect("", "North Korea held live-fire exercises near the coast of South Korea.", &[], None, &[]);
    expect(
        "",
        "El gobierno de Uruguay limitó los retiros de efectivo a 500 dólares por semana.",
        &[],
        None,
        &["banking_suspension/UY"],
    );
    expect(
        "",
        "Several governments scrambled to get their diplomats and citizens out of Niger by air.",
        &[],
        None,
        &["evacuation/NE"],
    );
    // Near miss: a country's own people leaving on their own is no evacuation.
    expect("", "Many citizens of Niger work out of the country.", &[], None, &[]);
}

#[test]
fn where_a_place_is_introduced_stops_at_the_sentence() {
    // "across the country." ends the sentence before "Qatar": Qatar is not "across" anything.
    expect(
        "",
        "Sirens sounded across the country. Qatar and Oman also closed their airspace to all flights.",
        &[],
        None,
        &["airport_closure/OM", "airport_closure/QA", "entry_ban/OM", "entry_ban/QA"],
    );
    expect(
        "",
        "Las autoridades de Bolivia levantaron el estado de excepción en Santa Cruz.",
        &[],
        None,
        &["state_of_emergency_lifted/BO"],
    );
}

#[test]
fn drawdowns_intermittent_networks_and_spanish_blocks() {
    expect(
        "",
        "The Canadian Embassy in Beirut has withdrawn its non-essential staff.",
        &[],
        None,
        &["evacuation/LB"],
    );
    // Near miss: a standing reduction of staff is not a departure.
    expect("", "The Embassy in Minsk has reduced its staff in recent years.", &["BY"], None, &[]);
    expect("", "Mobile networks in Juba are working intermittently.", &[], None, &["internet_shutdown/SS"]);
    expect(
        "",
        "El gobierno de Nicaragua ordenó el bloqueo de la red social TikTok.",
        &[],
        None,
        &["internet_shutdown/NI"],
    );
}

#[test]
fn shooting_directly_at_crowds_and_a_country_offline() {
    expect(
        "",
        "Police in Conakry fired directly at crowds of demonstrators on Monday.",
        &[],
        None,
        &["live_ammunition/GN"],
    );
    expect(
        "",
        "Network data show 60 percent of Sudan offline since Friday.",
        &[],
        None,
        &["internet_shutdown/SD"],
    );
    // Near miss: one service offline is not the country's internet.
    expect("", "The ministry's website in Khartoum went offline after a hack.", &[], None, &[]);
}

#[test]
fn french_and_spanish_routes_exceptions_and_concessions() {
    expect(
        "",
        "L'Italie et l'Espagne organisent le départ de leurs ressortissants via le Niger.",
        &["ML"],
        None,
        &["evacuation/ML"],
    );
    expect(
        "",
        "Le Canada a évacué des ressortissants depuis Bamako vers le Sénégal.",
        &[],
        None,
        &["evacuation/ML"],
    );
    expect("", "Ecuador aprobó un régimen de excepción por 60 días.", &[], None, &["state_of_emergency/EC"]);
    expect("", "El toque de queda en Quito fue levantado, pero los bloqueos continúan.", &[], None, &[]);
}

#[test]
fn an_announced_future_in_reported_speech_holds() {
    expect(
        "",
        "The interior ministry said on Monday that a curfew would be enforced in Goma from 8 p.m.",
        &["CD"],
        None,
        &["curfew/CD"],
    );
    // Near misses: a condition or a plan keeps "would" hypothetical.
    expect(
        "",
        "The minister said a curfew would be imposed in Goma if the looting continued.",
        &["CD"],
        None,
        &[],
    );
    expect("", "A curfew would be the last resort, according to analysts in Goma.", &["CD"], None, &[]);
}

#[test]
fn a_listed_alternative_does_not_cancel_a_measures_own_words() {
    expect(
        "",
        "Soldiers fired live bullets, rubber bullets and stun grenades at marchers in Harare.",
        &[],
        None,
        &["live_ammunition/ZW"],
    );
    // Near misses: the alternative that describes the same shots still excludes them.
    expect("", "Soldiers fired live rounds into the air to scatter marchers in Harare.", &[], None, &[]);
    expect("", "Police opened fire on protesters with rubber bullets in Harare.", &[], None, &[]);
}

#[test]
fn borders_closed_by_the_country_that_closes_them() {
    expect(
        "",
        "Poland will close the last of its land border crossings with Belarus on Friday, the government said, accusing Minsk of pushing migrants west.",
        &[],
        None,
        &["entry_ban/PL"],
    );
    expect(
        "",
        "The junta announced the closure of Gabon's land, sea and air borders until further notice.",
        &[],
        None,
        // Air borders closed too: the policy's full airspace closure fires both.
        &["airport_closure/GA", "entry_ban/GA"],
    );
    expect(
        "",
        "Bolivia cerrará sus fronteras terrestres con Chile y Perú desde el sábado por el referendo.",
        &[],
        None,
        &["entry_ban/BO"],
    );
}

#[test]
fn denials_and_intentions_in_french_and_spanish() {
    expect(
        "",
        "Le gouvernement malgache a démenti toute intention de décréter l'état d'urgence.",
        &["MG"],
        None,
        &[],
    );
    expect(
        "",
        "El ministro negó que se haya decretado el toque de queda en Tegucigalpa.",
        &["HN"],
        None,
        &[],
    );
    expect(
        "",
        "The government denied any intention of declaring a state of emergency in Antananarivo.",
        &["MG"],
        None,
        &[],
    );
}

#[test]
fn routes_to_named_countries_are_not_an_airport_closure() {
    expect(
        "",
        "Nicaragua suspended all flights to and from Costa Rica and Honduras on Monday.",
        &["NI"],
        None,
        // Arrivals stopped from a list of countries: the imposing country's entry ban only.
        &["entry_ban/NI"],
    );
    expect(
        "",
        "Bolivia mantiene suspendidos los vuelos hacia y desde Chile desde el lunes.",
        &["BO"],
        None,
        &[],
    );
    // Near misses: a city at the other end is that airport's traffic, and an airport closed
    // is closed whatever routes are named beside it.
    expect(
        "",
        "All flights to and from Managua were suspended on Monday.",
        &["NI"],
        None,
        &["airport_closure/NI"],
    );
    expect(
        "",
        "Managua airport was closed on Monday, stranding travellers bound for Costa Rica.",
        &["NI"],
        None,
        &["airport_closure/NI"],
    );
}

#[test]
fn a_lift_right_after_one_measure_does_not_end_the_next() {
    expect(
        "",
        "Le couvre-feu est levé, les frontières terrestres restent fermées aux voyageurs.",
        &["SN"],
        None,
        &["entry_ban/SN"],
    );
    expect(
        "",
        "The curfew was lifted on Monday, but the land borders remain closed to travellers.",
        &["SN"],
        None,
        &["entry_ban/SN"],
    );
    // Near miss: a lift before both measures still ends them.
    expect("", "Authorities lifted the curfew and the border closure on Monday.", &["SN"], None, &[]);
}

#[test]
fn who_takes_out_its_own_embassy_is_not_the_place_left() {
    expect(
        "",
        "Canada said its embassy staff had been flown out overnight and that the embassy was closed.",
        &["YE"],
        None,
        &["evacuation/YE"],
    );
    // Near miss: flights allowed as an exception to a closure are no evacuation.
    expect(
        "",
        "Yemen's airspace remains closed to civil aviation except for humanitarian and evacuation flights.",
        &["YE"],
        None,
        &["airport_closure/YE", "entry_ban/YE"],
    );
}

#[test]
fn a_month_named_march_is_no_protest_and_the_other_end_is_not_the_place() {
    expect(
        "",
        "The airport in Port Moresby has been closed since March 4 after gunmen fired on a plane.",
        &["PG"],
        None,
        &["airport_closure/PG"],
    );
    expect(
        "",
        "Soldiers fired on the march through Lae on Friday, killing two.",
        &["PG"],
        None,
        &["live_ammunition/PG"],
    );
    expect(
        "",
        "Australia has closed its land border with the country and suspended flights to and from the country.",
        &["PG"],
        None,
        &["entry_ban/AU"],
    );
}

#[test]
fn a_lift_dated_by_the_sentence_after_is_history() {
    expect(
        "",
        "A state of emergency is no longer in effect in Egypt. It was lifted in October 2021 after four years in force.",
        &["EG"],
        Some(2023),
        &[],
    );
    // Near misses: an undated lift is news, and so is one the next sentence dates this year.
    expect(
        "",
        "A state of emergency is no longer in effect in Egypt. It was lifted on Monday.",
        &["EG"],
        Some(2023),
        &["state_of_emergency_lifted/EG"],
    );
    expect(
        "",
        "Policías dispararon con armas de guerra contra estudiantes en Managua.",
        &[],
        None,
        &["live_ammunition/NI"],
    );
}

#[test]
fn a_measure_said_to_go_on_outlives_a_lift_beside_it() {
    expect(
        "",
        "Mobile internet was restored in Harare on Friday. The messaging app WhatsApp remains blocked nationwide.",
        &["ZW"],
        None,
        &["internet_shutdown/ZW"],
    );
    expect(
        "",
        "Los datos móviles fueron restablecidos en Harare, aunque Facebook y WhatsApp siguen bloqueados.",
        &["ZW"],
        None,
        &["internet_shutdown/ZW"],
    );
    // Near miss: without "remains", the lift in the lede is the latest status.
    expect(
        "",
        "Mobile internet was restored in Harare on Friday. WhatsApp had been blocked nationwide since Monday.",
        &["ZW"],
        None,
        &[],
    );
}

#[test]
fn foreigners_leaving_and_countries_getting_their_citizens_out() {
    expect(
        "",
        "Dozens of foreign nationals left Juba on a chartered aircraft as fighting spread.",
        &["SS"],
        None,
        &["evacuation/SS"],
    );
    expect(
        "",
        "Kenya and Uganda said they were working to get their citizens out of Juba.",
        &["SS"],
        None,
        &["evacuation/SS"],
    );
}

#[test]
fn barred_from_doing_is_not_barred_from_entering_and_helping_people_leave() {
    expect(
        "",
        "Foreigners are prohibited by law from taking part in demonstrations in Peru.",
        &["PE"],
        None,
        &[],
    );
    expect(
        "",
        "Foreigners are prohibited from entering Peru until Monday.",
        &["PE"],
        None,
        &["entry_ban/PE"],
    );
    expect(
        "",
        "Australia is booking seats on commercial flights to help Australians leave Israel.",
        &["IL"],
        None,
        &["evacuation/IL"],
    );
}

#[test]
fn a_listed_subject_owns_its_possessive_and_bans_on_other_citizens() {
    expect(
        "",
        "Le Ghana et le Togo ont fermé leurs frontières avec le Burkina Faso.",
        &["BF"],
        None,
        &["entry_ban/GH", "entry_ban/TG"],
    );
    expect(
        "",
        "The president signed an order barring citizens of Chad and Libya from entering Canada for 90 days.",
        &["CA"],
        None,
        &["entry_ban/CA"],
    );
    expect(
        "",
        "Oman will suspend all international passenger flights from Wednesday.",
        &["OM"],
        None,
        &["airport_closure/OM", "entry_ban/OM"],
    );
}

#[test]
fn a_headline_list_with_commas_and_routes_to_island_lists() {
    expect("Qatar bars entry to travellers from Egypt, India, Nepal", "", &["QA"], None, &["entry_ban/QA"]);
    expect(
        "",
        "Colombia suspendió los vuelos con las islas de Aruba y Curazao por una semana.",
        &["CO"],
        None,
        &[],
    );
}

#[test]
fn every_airport_shut_closes_the_country_and_one_named_airport_does_not() {
    expect(
        "",
        "Authorities said all airports in Peru are closed to incoming international flights.",
        &[],
        None,
        &["airport_closure/PE", "entry_ban/PE"],
    );
    expect(
        "Ghana closes all airports after the coup",
        "",
        &[],
        None,
        &["airport_closure/GH", "entry_ban/GH"],
    );
    expect(
        "",
        "All international air travel to the country has been halted since the coup.",
        &["GN"],
        None,
        &["airport_closure/GN", "entry_ban/GN"],
    );
    // Near misses: named airports are an airport closure only; "parts of" still limits.
    expect("", "The airports in Accra and Kumasi are closed.", &[], None, &["airport_closure/GH"]);
}

#[test]
fn a_relative_aside_neither_closes_a_border_nor_owns_the_measure() {
    // "borders" after "which" is the verb: nothing is closed at a border.
    expect("", "Schools in the province, which borders Laos, will be shut on Monday.", &["TH"], None, &[]);
    // The place inside the aside describes the subject; the subject closes its border.
    expect(
        "",
        "Thailand, which borders Laos, closed its border crossings on Monday.",
        &[],
        None,
        &["entry_ban/TH"],
    );
    // Near miss: without the aside the neighbour named after "with" is still not the owner.
    expect("", "Thailand closed its border crossings with Laos on Monday.", &[], None, &["entry_ban/TH"]);
}

#[test]
fn deaths_in_police_firing_are_live_ammunition_and_a_crush_is_not() {
    expect(
        "",
        "Three men died in police firing during a protest in Srinagar on Friday.",
        &[],
        None,
        &["live_ammunition/IN"],
    );
    expect(
        "",
        "Two people received bullet injuries in police firing near the bus stand in Lahore.",
        &[],
        None,
        &["live_ammunition/PK"],
    );
    // Near misses: tear gas and a crush; police firing into the air.
    expect(
        "",
        "Police fired tear gas at the crowd in Srinagar and two people died in the crush.",
        &[],
        None,
        &[],
    );
    expect("", "One man was killed after police firing in the air caused panic in Srinagar.", &[], None, &[]);
}

#[test]
fn a_departure_belongs_to_the_post_named_after_it() {
    expect(
        "",
        "The State Department suspended operations at the U.S. Embassy in Caracas, Venezuela and authorized the departure of non-emergency staff at the Embassy in Bogota.",
        &[],
        None,
        &["evacuation/CO"],
    );
    // Near miss: a country the staff leave "from" stays the place, whatever embassy follows.
    expect(
        "",
        "The State Department ordered the departure of non-emergency staff from Venezuela, while the embassy in Bogota stays open.",
        &[],
        None,
        &["evacuation/VE"],
    );
}

#[test]
fn a_negation_ends_at_a_new_coordinated_clause_and_a_negating_preposition_at_its_comma() {
    expect(
        "",
        "La ley permite arrestos sin orden judicial, y hay toque de queda en todo el departamento.",
        &["GT"],
        None,
        &["curfew/GT"],
    );
    expect(
        "",
        "Police may now detain people without a warrant, and a curfew is in force in Harare.",
        &[],
        None,
        &["curfew/ZW"],
    );
    // Near misses: the negation right before the measure still negates it.
    expect("", "No hay toque de queda en el departamento.", &["GT"], None, &[]);
    expect("", "Hotels in Harare stayed open without a curfew.", &[], None, &[]);
}

#[test]
fn carriers_of_an_evacuation_are_found_by_their_people_and_their_embassy() {
    // Words between the possessive and the people.
    expect(
        "",
        "Britain sent 600 troops to help evacuate its roughly 3,000 nationals from the country.",
        &["AF"],
        None,
        &["evacuation/AF"],
    );
    // Closing one's own embassy somewhere is that somewhere's evacuation.
    expect("", "Norway closed its Kabul embassy and flew its staff out.", &["AF"], None, &["evacuation/AF"]);
    // The nationality of the evacuees names the carrier.
    expect(
        "",
        "Sweden sent soldiers to evacuate diplomats and other Swedish nationals.",
        &["SD"],
        None,
        &["evacuation/SD"],
    );
    // A country named in passing elsewhere in the sentence is not where the evacuation is.
    expect(
        "",
        "France evacuated its diplomats by helicopter as local forces, trained and equipped by the United States for years, melted away.",
        &["AF"],
        None,
        &["evacuation/AF"],
    );
    // Near miss: the place the staff leave still wins when it is named.
    expect(
        "",
        "Sweden sent soldiers to evacuate Swedish nationals from Ethiopia.",
        &["SD"],
        None,
        &["evacuation/ET"],
    );
}

#[test]
fn remaining_flights_cancelled_close_the_airport_but_rebels_closing_in_do_not() {
    expect(
        "",
        "Authorities then cancelled all remaining commercial flights out of Kabul.",
        &[],
        None,
        &["airport_closure/AF"],
    );
    expect(
        "",
        "NATO said it would keep the airport open with rebels closing in on the capital.",
        &["AF"],
        None,
        &[],
    );
    // Near miss: an airline's own cancellations are not the airport closing.
    expect("", "Airlines cancelled all remaining flights to Kabul.", &[], None, &[]);
}

#[test]
fn one_carrier_ending_its_evacuation_does_not_end_the_others() {
    expect(
        "",
        "Foreign nationals are being evacuated from Kabul airport. Canadian forces ended evacuation efforts for their citizens on Thursday.",
        &["AF"],
        None,
        &["evacuation/AF"],
    );
    // Near miss: the evacuation as such reported over.
    expect(
        "",
        "Foreign nationals were evacuated from Kabul airport. The evacuation ended on Thursday.",
        &["AF"],
        None,
        &[],
    );
}

#[test]
fn a_place_ending_a_street_name_names_no_place() {
    // "Quai d'Orsay" is the French foreign ministry, not the town of Orsay.
    expect(
        "Les conseils aux voyageurs du Quai d'Orsay",
        "Birmanie : le couvre-feu de minuit à 4 heures est toujours en vigueur à Yangon.",
        &[],
        None,
        &["curfew/MM"],
    );
    // Near miss: the town itself still counts.
    expect(
        "",
        "Un couvre-feu est en vigueur depuis lundi dans la Rue de Lyon à Paris.",
        &[],
        None,
        &["curfew/FR"],
    );
}

#[test]
fn a_past_tense_sentence_goes_on_with_the_story_its_predecessor_dated() {
    expect(
        "",
        "Large protests in 2019 left dozens dead in Colombo. Travel around the island was difficult because of curfews and roadblocks.",
        &["LK"],
        Some(2024),
        &[],
    );
    // Near misses: a sentence with a time of its own, or in the present, is news.
    expect(
        "",
        "Large protests in 2019 left dozens dead in Colombo. A curfew was imposed in Colombo on Monday.",
        &["LK"],
        Some(2024),
        &["curfew/LK"],
    );
    expect(
        "",
        "Large protests in 2019 left dozens dead in Colombo. A curfew is in force in Colombo.",
        &["LK"],
        Some(2024),
        &["curfew/LK"],
    );
}

#[test]
fn shooting_into_crowds_and_firing_upon_protests_are_live_ammunition() {
    expect(
        "",
        "Security forces in Nairobi shot directly into crowds of protesters on Tuesday.",
        &[],
        None,
        &["live_ammunition/KE"],
    );
    expect(
        "",
        "Soldiers fired upon protests in Abuja; live ammunitions were used.",
        &[],
        None,
        &["live_ammunition/NG"],
    );
    // Near miss: shots into the air.
    expect("", "Police in Nairobi shot into the air to scatter the crowd.", &[], None, &[]);
}

#[test]
fn french_and_spanish_habits_banks_shutting_and_every_border_closed() {
    // "sont courantes": a habit, not news.
    expect("", "Les coupures d'internet sont courantes au Tchad en période électorale.", &[], None, &[]);
    expect("", "Los cortes de internet son frecuentes en Cuba.", &[], None, &[]);
    expect("Les banques libanaises ferment leurs portes", "", &["LB"], None, &["banking_suspension/LB"]);
    expect("", "El gobierno de Venezuela cerró todas las fronteras el sábado.", &[], None, &["entry_ban/VE"]);
    // Near miss: the same habit words do not hide a measure in force now.
    expect(
        "",
        "Les coupures d'internet sont courantes au Tchad. Un couvre-feu est en vigueur à N'Djamena.",
        &[],
        None,
        &["curfew/TD"],
    );
}

#[test]
fn french_and_spanish_adjectives_of_nationality_name_their_country() {
    expect(
        "",
        "Le gouvernement sénégalais a suspendu l'internet mobile dimanche.",
        &[],
        None,
        &["internet_shutdown/SN"],
    );
    // Right after the measure, the adjective says whose it is, over a country named later.
    expect(
        "",
        "Maduro ordenó el cierre del espacio aéreo venezolano y rompió relaciones con Colombia.",
        &[],
        None,
        &["airport_closure/VE", "entry_ban/VE"],
    );
    expect("", "La junte a ordonné la fermeture des frontières maliennes.", &[], None, &["entry_ban/ML"]);
    // Near miss: a capitalised adjective at the start of a sentence is the same country.
    expect("", "Sénégalais et étrangers sont soumis au couvre-feu à Ziguinchor.", &[], None, &["curfew/SN"]);
}

#[test]
fn a_paragraph_opened_by_in_x_goes_on_about_x() {
    expect(
        "",
        "In Bolivia, the president ordered the army onto the streets on Wednesday. The state of emergency went into effect at midnight.",
        &["AG"],
        None,
        &["state_of_emergency/BO"],
    );
    // Near miss: a country named elsewhere in the sentence before does not lead the paragraph.
    expect(
        "",
        "Officials in Bolivia spoke on Wednesday. The state of emergency went into effect at midnight.",
        &["AG"],
        None,
        &["state_of_emergency/AG"],
    );
}

#[test]
fn ports_of_entry_closed_are_an_entry_ban() {
    expect(
        "",
        "The council said all ports of entry in Antigua are closed for 14 days.",
        &[],
        None,
        &["entry_ban/AG"],
    );
    // Near miss: reopened.
    expect("", "The council said all ports of entry in Antigua reopened on Monday.", &[], None, &[]);
}

#[test]
fn a_decree_declared_invalid_is_ended() {
    expect("", "The speaker declared the martial law decree invalid on Wednesday.", &["KR"], None, &[]);
    // Near miss: declared, and nothing ends it.
    expect("", "The president declared martial law on Tuesday night.", &["KR"], None, &["martial_law/KR"]);
}

#[test]
fn curbed_platforms_and_a_loss_of_connectivity_are_internet_shutdowns() {
    expect(
        "",
        "Iran curbed access to Instagram and WhatsApp on Wednesday.",
        &[],
        None,
        &["internet_shutdown/IR"],
    );
    expect(
        "",
        "Monitors reported a nation-scale loss of connectivity in Iran.",
        &[],
        None,
        &["internet_shutdown/IR"],
    );
}

#[test]
fn carriers_named_by_a_subject_or_a_long_nationality_phrase_are_not_the_place() {
    expect(
        "",
        "Paris said it was evacuating its citizens after the closure of Niger's airspace.",
        &["NE"],
        None,
        &["airport_closure/NE", "entry_ban/NE", "evacuation/NE"],
    );
    expect(
        "",
        "French and other foreign nationals landed in Paris on evacuation flights from Niger.",
        &["NE"],
        None,
        &["evacuation/NE"],
    );
    // The title makes France the subject; "the country" in the sentence is Niger, and France
    // flies its own people out.
    expect(
        "France to start Niger evacuations",
        "France will begin evacuating its nationals from Niger after a coup there toppled the country's leader.",
        &[],
        None,
        &["evacuation/NE"],
    );
    expect("", "Italy sent a plane to evacuate its nationals.", &["NE"], None, &["evacuation/NE"]);
    // Near miss: a place after a preposition is no subject.
    expect("", "Troops in Chad moved to evacuate foreigners.", &[], None, &["evacuation/TD"]);
}

#[test]
fn an_airline_halting_its_own_flights_closes_no_airport() {
    // The carrier's flights stop; the airports at either end stay open.
    expect("", "Air Moldova has halted flights from Chisinau to Paris until March.", &["MD"], None, &[]);
    expect("", "Kenya Airways suspended flights to Juba on Monday.", &["SS"], None, &[]);
    expect("", "Sunwing (WG) has cancelled all flights to Havana this week.", &["CU"], None, &[]);
    // Near misses: an authority or an airport halting flights is a closure.
    expect(
        "",
        "Authorities halted flights at Chisinau airport on Monday.",
        &["MD"],
        None,
        &["airport_closure/MD"],
    );
    expect(
        "",
        "The airport in Juba suspended all flights on Monday.",
        &["SS"],
        None,
        &["airport_closure/SS"],
    );
}

#[test]
fn a_commission_or_high_commissioner_is_an_actor_not_the_place() {
    // The reporting body's nationality is not where the measure is.
    expect(
        "",
        "Guadeloupe imposed a curfew in the capital, the French High Commission said.",
        &[],
        None,
        &["curfew/GP"],
    );
}

#[test]
fn neither_nor_before_an_effect_takes_the_measures_as_given() {
    expect(
        "",
        "Neither the internet blackout nor the nightly curfew has deterred the protesters in Dhaka.",
        &["BD"],
        None,
        &["curfew/BD", "internet_shutdown/BD"],
    );
    // Near miss: neither … nor before a verb of imposing denies the measures.
    expect("", "Neither a curfew nor a state of emergency has been declared in Dhaka.", &["BD"], None, &[]);
}

#[test]
fn a_measure_said_to_be_back_outlives_an_earlier_lift_told_after_it() {
    expect(
        "",
        "The country is again under a nationwide internet shutdown. In May the authorities had cut mobile data. Connectivity was restored a week later.",
        &["TZ"],
        Some(2025),
        &["internet_shutdown/TZ"],
    );
    // Near miss: without "again", a lift told later is the latest status.
    let a = affirmed(
        "",
        "The country is under a nationwide internet shutdown. Connectivity was restored on Friday.",
        &["TZ"],
        Some(2025),
    );
    assert!(!a.contains(&"internet_shutdown/TZ".to_string()), "{a:?}");
}

#[test]
fn a_town_named_like_a_word_in_the_title_needs_the_body_to_back_it() {
    // "Habrá" reads as a town in India; the body is about Ecuador.
    expect(
        "Estado de excepción: ¿Habrá toque de queda?",
        "El Gobierno del Ecuador ha decretado un estado de excepción en varias provincias.",
        &[],
        None,
        &["state_of_emergency/EC"],
    );
    // The title's question asks whether there will be a curfew; it asserts none.
    // Near miss: a city in the title whose country the body names stays the subject.
    let a = analyze("Curfew in Pokhara", "Nepal's authorities imposed a curfew after clashes.", &[], None);
    assert_eq!(a.primary_country, Some(cc("NP")), "{a:?}");
}

#[test]
fn staff_allowed_to_leave_voluntarily_is_a_departure() {
    expect(
        "",
        "Washington has allowed non-emergency government employees and family members to leave Togo voluntarily.",
        &["TG"],
        None,
        &["evacuation/TG"],
    );
}

#[test]
fn a_yes_no_question_asserts_no_measure() {
    expect("", "Will the government impose a curfew in Nairobi?", &["KE"], None, &[]);
    expect("", "¿Habrá toque de queda en Quito este fin de semana?", &["EC"], None, &[]);
    expect("", "Le gouvernement va-t-il instaurer un couvre-feu à Dakar ?", &["SN"], None, &[]);
    // Near misses: a question that takes the measure as given, and a heading before the
    // question.
    expect("", "Why has the government imposed a curfew in Nairobi?", &["KE"], None, &["curfew/KE"]);
    expect("", "Curfew imposed in Nairobi: will it be extended?", &["KE"], None, &["curfew/KE"]);
}

#[test]
fn an_airspace_closed_to_every_civil_flight_shuts_the_country() {
    expect(
        "",
        "Moldova is closing its national airspace for civilian aircraft, the aviation authority said.",
        &["MD"],
        None,
        &["airport_closure/MD", "entry_ban/MD"],
    );
    // Near miss: open to civil flights again.
    expect("", "The airspace is open for civilian aircraft again.", &["MD"], None, &[]);
}

#[test]
fn a_dateline_names_where_the_report_was_filed() {
    expect(
        "",
        "Nairobi: Airspace over all of Somalia has been shut down to civilian air traffic.",
        &["SO"],
        None,
        &["airport_closure/SO", "entry_ban/SO"],
    );
    expect("", "DAKAR (AFP) — Mali imposed a curfew in Bamako on Monday.", &[], None, &["curfew/ML"]);
    // Near miss: a city heading with nothing else named is the heading's place.
    expect(
        "Bamako: curfew after clashes",
        "Authorities declared it late on Monday.",
        &[],
        None,
        &["curfew/ML"],
    );
}

#[test]
fn a_measure_excepted_from_another_is_not_in_force() {
    expect(
        "",
        "Sudan extended the closure of its airspace, except for humanitarian aid and evacuation flights.",
        &["SD"],
        None,
        &["airport_closure/SD", "entry_ban/SD"],
    );
    // Near miss: the same words with no exception.
    expect("", "Sweden began evacuation flights from Sudan on Sunday.", &["SD"], None, &["evacuation/SD"]);
}

#[test]
fn a_region_wider_than_a_country_is_not_the_subject() {
    let a = analyze(
        "Smartraveller warns Australian travellers",
        "Closure of airspace around transit hubs in the Middle East may affect flights. Roads and borders across Europe could close.",
        &[],
        None,
    );
    assert!(a.affirmed().all(|d| d.country.is_none()), "{a:?}");
    // Near miss: a country's own region keeps the measure there.
    expect("", "A curfew is in effect in the Est and Centre regions.", &["BF"], None, &["curfew/BF"]);
}

#[test]
fn two_countries_joined_by_a_hyphen_name_a_relation() {
    expect("Russia-Ukraine crisis: Ukraine shuts airports", "", &[], None, &["airport_closure/UA"]);
    expect("Ukraine shuts airports amid Russia-Ukraine crisis", "", &[], None, &["airport_closure/UA"]);
}

#[test]
fn a_day_in_a_past_year_dates_the_sentence_and_ongoing_binds_its_noun() {
    expect(
        "",
        "Mobile internet was suspended in Khartoum on 25 December 2021, ahead of protests against the ongoing coup.",
        &["SD"],
        Some(2025),
        &[],
    );
    // Near misses: the measure said to go on, and "ongoing" beside the measure.
    expect(
        "",
        "The curfew imposed in Khartoum on 25 December 2021 remains in force.",
        &["SD"],
        Some(2025),
        &["curfew/SD"],
    );
    expect(
        "",
        "The ongoing curfew in Khartoum began on 25 December 2021.",
        &["SD"],
        Some(2025),
        &["curfew/SD"],
    );
}

#[test]
fn a_bare_plural_heading_is_a_topic_and_roads_near_a_border_are_not_the_border() {
    expect("Curfews", "", &["KE"], None, &[]);
    expect("", "Police closed roads near the border with Gaza.", &["IL"], None, &[]);
    // Near misses: a headline with a verb, and the border itself.
    expect("Curfew imposed in Nairobi", "", &[], None, &["curfew/KE"]);
    expect("", "Israel closed the border with Gaza.", &[], None, &["entry_ban/IL"]);
}

#[test]
fn caps_on_withdrawals_suspend_banking() {
    expect(
        "",
        "The government announced severe restrictions on access to funds and a cap on withdrawals at Cypriot banks.",
        &["CY"],
        None,
        &["banking_suspension/CY"],
    );
    // Near miss: only considered.
    expect(
        "",
        "Ministers are considering measures that would allow a cap on withdrawals.",
        &["CY"],
        None,
        &[],
    );
}

#[test]
fn where_a_measure_was_announced_is_not_where_it_holds() {
    expect(
        "",
        "The spokesman announced at a press conference in Tokyo that the President had declared martial law in Mindanao.",
        &["PH"],
        None,
        &["martial_law/PH"],
    );
    expect(
        "",
        "Speaking in Paris, the minister said a curfew was imposed in Bamako.",
        &["ML"],
        None,
        &["curfew/ML"],
    );
    // Near miss: a measure in the city itself.
    expect("", "Authorities imposed a curfew in Tokyo on Monday.", &[], None, &["curfew/JP"]);
}

#[test]
fn an_extension_told_in_the_past_does_not_outlast_the_lift_in_the_title() {
    expect(
        "Government ends state of emergency",
        "The president lifted the state of emergency on Thursday. Parliament had approved extending the state of emergency on 20 February. During the emergency, visitors could continue to travel.",
        &["MV"],
        Some(2018),
        &["state_of_emergency_lifted/MV"],
    );
    // Near miss: a measure said to be still in force stands against the title.
    let a = affirmed(
        "Government lifts curfew in the capital",
        "The curfew lifted in the capital. A curfew remains in force in the northern provinces.",
        &["MV"],
        Some(2018),
    );
    assert!(a.contains(&"curfew/MV".to_string()), "{a:?}");
}

#[test]
fn a_ban_on_arrivals_from_a_list_belongs_to_the_country_imposing_it() {
    expect(
        "",
        "Japan is banning all arrivals from Tanzania and the Democratic Republic of Congo from Friday.",
        &["JP"],
        None,
        &["entry_ban/JP"],
    );
    expect(
        "",
        "Anyone travelling from the Pacific islands, Namibia, Zambia, Malawi and Angola will be prevented from entering Canada.",
        &[],
        None,
        &["entry_ban/CA"],
    );
    // The country acting before the match bans; the place flights come from does not.
    expect(
        "",
        "Singapore suspended flights from India, along with Nepal and Pakistan, for 14 days.",
        &["IN"],
        None,
        &["entry_ban/SG"],
    );
    // Near misses: the subject only as where travellers come from, and all flights suspended
    // at the subject's own airports.
    let a = affirmed(
        "",
        "Several other countries have started imposing bans on flights and travellers from Peru.",
        &["PE"],
        None,
    );
    assert!(!a.contains(&"entry_ban/PE".to_string()), "{a:?}");
    expect(
        "",
        "All flights have been suspended at airports in Peru.",
        &["PE"],
        None,
        &["airport_closure/PE"],
    );
}

#[test]
fn spanish_people_by_nationality_act_and_emiratos_is_the_uae() {
    expect(
        "",
        "La situación es complicada en Emiratos Árabes, ya que el espacio aéreo está cerrado.",
        &[],
        None,
        &["airport_closure/AE", "entry_ban/AE"],
    );
    let a = analyze("Los españoles atrapados esperan", "Nada más.", &[], None);
    assert!(
        a.detections.is_empty() || a.primary_country != Some(cc("ES")) || a.affirmed().next().is_none(),
        "{a:?}"
    );
}

#[test]
fn towns_of_one_country_name_the_subject_when_no_country_is_named() {
    let a = analyze(
        "South emergency decree extended",
        "The emergency decree imposed in Pattani and Narathiwat will be extended for another three months.",
        &[],
        None,
    );
    assert_eq!(a.primary_country, Some(cc("TH")), "{a:?}");
    assert!(
        a.affirmed().any(|d| d.trigger.as_str() == "state_of_emergency" && d.country == Some(cc("TH"))),
        "{a:?}"
    );
    // Near miss: one small town alone names no subject.
    let a = analyze("Decree extended", "The decree imposed in Pattani was extended.", &[], None);
    assert_eq!(a.primary_country, None, "{a:?}");
}

#[test]
fn a_city_inside_a_persons_name_is_no_place() {
    // "Ondo" is a Nigerian city; here it is the middle of a candidate's name.
    expect(
        "Gabon: the latest",
        "The opposition candidate, Felix Ondo Mba, rejected the count, and the government ordered a curfew from 7 p.m.",
        &[],
        Some(2023),
        &["curfew/GA"],
    );
    // Near misses: the city itself, and a title-case heading with capitals all along.
    expect("", "Authorities imposed a curfew in Ondo after the riots.", &[], None, &["curfew/NG"]);
    let text = "Protests Rock Ondo Streets";
    let at = text.find("Ondo").expect("city");
    assert!(!attribution::inside_a_personal_name(text, at, at + 4));
    let text = "the mayor, Jean Ondo Ossa, said";
    let at = text.find("Ondo").expect("city");
    assert!(attribution::inside_a_personal_name(text, at, at + 4));
    let text = "riots in Ondo State continued";
    let at = text.find("Ondo").expect("city");
    assert!(!attribution::inside_a_personal_name(text, at, at + 4));
}

#[test]
fn a_news_agency_named_after_a_country_is_not_that_country() {
    // "the country" refers back to the one country the sentence before names; the agency's
    // name is not one.
    expect(
        "Gabon: the latest",
        "Reporters for Agence France-Presse confirmed it. A curfew was imposed in the country.",
        &[],
        Some(2023),
        &["curfew/GA"],
    );
}

#[test]
fn a_lift_word_right_before_another_measure_is_that_measures() {
    // The internet is restored; the curfew is kept.
    expect(
        "Gabon",
        "Les militaires, qui avaient rétabli l'accès à internet dans la matinée, ont maintenu le couvre-feu de 18h à 6h.",
        &[],
        Some(2023),
        &["curfew/GA"],
    );
    // Near miss: the curfew's own lift.
    expect("Gabon", "Les militaires ont levé le couvre-feu ce matin.", &[], Some(2023), &[]);
}

#[test]
fn a_relative_clause_of_state_stays_with_its_noun() {
    expect(
        "Haiti: gang attacks",
        "Gangs shot at the main international airport, which remains closed, and raided two prisons.",
        &[],
        Some(2024),
        &["airport_closure/HT"],
    );
    // Near miss: a relative clause that does something else, and "closed" in the next clause.
    expect(
        "Haiti: gang attacks",
        "Gangs shot at the airport, which lies near the port, and police closed the road.",
        &[],
        Some(2024),
        &[],
    );
}

#[test]
fn curfews_airspace_and_mobile_data_in_the_words_of_the_decrees() {
    expect(
        "",
        "El Gobierno decretó la inmovilización social obligatoria en la región de Puno, en Perú, de 20:00 a 04:00.",
        &[],
        Some(2023),
        &["curfew/PE"],
    );
    expect(
        "",
        "L'Etat a ordonné la suspension de la connexion Internet par données mobiles au Sénégal.",
        &[],
        Some(2023),
        &["internet_shutdown/SN"],
    );
    expect(
        "",
        "Niger's airspace closed on Sunday night.",
        &[],
        Some(2023),
        &["airport_closure/NE", "entry_ban/NE"],
    );
    // Near miss: part of the airspace is an airport closure only.
    expect(
        "",
        "The airspace over northern Niger was partially closed on Sunday.",
        &[],
        Some(2023),
        &["airport_closure/NE"],
    );
}

#[test]
fn abandoning_or_removing_a_measure_ends_it_only_right_next_to_it() {
    expect("South Korea: president abandons martial law attempt", "No more was said.", &[], Some(2024), &[]);
    expect(
        "",
        "In Seoul, South Korea, the president abandoned a short-lived attempt at martial law on Wednesday.",
        &[],
        Some(2024),
        &[],
    );
    expect(
        "South Korea: street protests forced martial law removal",
        "Crowds cheered.",
        &[],
        Some(2024),
        &[],
    );
    // Near miss: people abandoning their homes say nothing of the measure.
    expect(
        "",
        "Residents of Marawi abandoned their homes as martial law took hold across the Philippines.",
        &[],
        Some(2017),
        &["martial_law/PH"],
    );
}

#[test]
fn a_time_zone_is_not_a_place() {
    expect(
        "South Korea: curfew in Seoul",
        "The curfew starts at 10pm (9pm Malaysian time) every night.",
        &[],
        Some(2024),
        &["curfew/KR"],
    );
}

#[test]
fn a_measure_reported_to_go_on_does_not_outlast_the_ledes_lift() {
    expect(
        "",
        "The president of South Korea lifted martial law on Wednesday morning. The army had said martial law would remain in effect until the president decided otherwise.",
        &[],
        Some(2024),
        &[],
    );
    // Near miss: said to be in force now, it stands against the lede.
    expect(
        "",
        "The president of South Korea lifted martial law in the capital on Wednesday morning. The army says martial law remains in effect.",
        &[],
        Some(2024),
        &["martial_law/KR"],
    );
}

#[test]
fn flights_stopped_with_a_set_of_countries_ban_arrivals_and_close_no_airport() {
    expect(
        "",
        "Morocco has suspended flights to and from 25 more countries, extending an earlier travel ban that covered China, Spain and Italy.",
        &[],
        Some(2020),
        &["entry_ban/MA"],
    );
    expect(
        "",
        "Morocco has also decided to suspend flights with Egypt, Niger and Mali.",
        &["MA"],
        Some(2020),
        &["entry_ban/MA"],
    );
    // Near miss: flights stopped at one airport close it.
    expect(
        "",
        "Flights at Marrakech airport in Morocco were suspended on Sunday.",
        &[],
        Some(2020),
        &["airport_closure/MA"],
    );
}

#[test]
fn live_shootings_are_live_fire() {
    expect(
        "",
        "Live shootings by police were confirmed in Nairobi, Kenya, with spent cartridges recovered.",
        &[],
        Some(2024),
        &["live_ammunition/KE"],
    );
}

#[test]
fn a_possibility_or_a_power_covers_every_item_of_its_list() {
    expect(
        "",
        "Officials in Ethiopia said the decree could bring these restrictions: curfews, arrests without warrant and blocking of the Internet.",
        &[],
        Some(2016),
        &[],
    );
    expect(
        "",
        "The decree empowers the authorities of Ethiopia to detain suspects without a court order, search homes, and impose curfews.",
        &[],
        Some(2023),
        &[],
    );
    // Near miss: the same list, done.
    expect(
        "",
        "The authorities of Ethiopia detained suspects without a court order, searched homes, and imposed curfews.",
        &[],
        Some(2023),
        &["curfew/ET"],
    );
}

#[test]
fn a_country_labelling_the_title_is_the_subject() {
    let a = analyze(
        "Niger : la France prépare l'évacuation de ses ressortissants",
        "La France a annoncé l'opération. La France enverra des avions depuis Paris pour ramener les Français du Niger.",
        &[],
        Some(2023),
    );
    assert_eq!(a.primary_country, Some(cc("NE")), "{a:?}");
}

#[test]
fn a_lift_word_far_from_a_measures_word_ends_nothing() {
    expect(
        "Lebanon to close all banks",
        "Banks will remain closed in Lebanon. The association wants to remove the effects of damage to some banking centers.",
        &[],
        Some(2019),
        &["banking_suspension/LB"],
    );
    // Near miss: right next to the measure's word, the lift is reported.
    let a = analyze("", "Access to social media was restored in Sri Lanka on Tuesday.", &[], Some(2019));
    assert!(
        a.detections
            .iter()
            .any(|d| (d.trigger.as_str() == "internet_shutdown" && d.polarity == Polarity::Lifted)
                || (d.trigger.as_str() == "internet_restored" && d.polarity == Polarity::Affirmed)),
        "{a:?}"
    );
}

#[test]
fn an_airport_closed_to_foreigners_only_is_not_closed() {
    let got =
        affirmed("", "Ben Gurion airport in Israel is now closed to foreign nationals.", &[], Some(2020));
    assert!(!got.contains(&"airport_closure/IL".to_string()), "{got:?}");
    // Near miss: closed outright.
    expect("", "Ben Gurion airport in Israel is now closed.", &[], Some(2020), &["airport_closure/IL"]);
}

#[test]
fn an_expected_measure_is_not_yet_in_force() {
    expect(
        "",
        "Travellers arriving in Israel would find a country shut down by an expected nation-wide curfew in the coming days.",
        &[],
        Some(2020),
        &[],
    );
}

#[test]
fn an_embassy_evacuating_its_people_from_a_country_in_french() {
    expect(
        "",
        "Le message aux Français du Niger indique qu'une opération d'évacuation aura lieu très prochainement.",
        &[],
        Some(2023),
        &["evacuation/NE"],
    );
    // The embassy's country is who evacuates; its post is where.
    expect(
        "",
        "L'ambassade de France à Niamey prépare une opération d'évacuation des ressortissants.",
        &[],
        Some(2023),
        &["evacuation/NE"],
    );
}

#[test]
fn a_capital_that_speaks_and_a_country_that_is_opposed_are_not_where_it_holds() {
    expect(
        "Niger",
        "Paris avait justifié la décision par la fermeture de l’espace aérien.",
        &[],
        Some(2023),
        &["airport_closure/NE", "entry_ban/NE"],
    );
    expect(
        "Niger",
        "Lors d'une manifestation hostile à la France, la fermeture de l’espace aérien a été annoncée.",
        &[],
        Some(2023),
        &["airport_closure/NE", "entry_ban/NE"],
    );
    // Near miss: a capital where the measure is.
    expect("", "A curfew was imposed in Paris on Tuesday.", &[], Some(2023), &["curfew/FR"]);
}

#[test]
fn french_and_spanish_words_match_the_folded_text() {
    // The text is folded before matching ("février" reads "fevrier"): a French date in an
    // earlier year dates the sentence.
    expect("", "Un couvre-feu a été décrété au Mali le 3 février 2021.", &[], Some(2023), &[]);
    // Near miss: the same date in the advisory's own year.
    expect("", "Un couvre-feu a été décrété au Mali le 3 février 2021.", &[], Some(2021), &["curfew/ML"]);
}

#[test]
fn a_countrys_own_notam_closes_its_airspace() {
    expect(
        "",
        "Sudan's civil aviation authority issued a NOTAM to aircrews extending the closure of Sudanese airspace to all aircraft until 30 April.",
        &[],
        Some(2023),
        &["airport_closure/SD", "entry_ban/SD"],
    );
    // Near miss: a foreign regulator's rule binds only its own carriers.
    expect("", "The FAA barred U.S. carriers from flying in Sudanese airspace.", &[], Some(2023), &[]);
}

#[test]
fn staff_named_among_others_do_not_make_a_rule_staff_only() {
    expect(
        "",
        "With the airport in Khartoum closed, thousands of foreigners in Sudan, including embassy staff, aid workers and students, cannot leave.",
        &[],
        Some(2023),
        &["airport_closure/SD"],
    );
    // Near miss: a rule for embassy staff alone.
    expect("", "Embassy staff in Khartoum, Sudan, must observe a curfew from 8pm.", &[], Some(2023), &[]);
}

#[test]
fn readiness_and_purpose_are_not_yet_an_evacuation() {
    expect(
        "",
        "The paramilitary forces voiced their willingness to open some airports in Sudan so as to evacuate foreigners.",
        &[],
        Some(2023),
        &[],
    );
    // Near miss: done.
    expect(
        "",
        "Jordan began evacuating foreigners from Sudan on Sunday.",
        &[],
        Some(2023),
        &["evacuation/SD"],
    );
}

#[test]
fn airspace_closed_to_traffic_shuts_the_country() {
    expect(
        "",
        "Khartoum airport said Sudan's airspace would remain closed to traffic.",
        &[],
        Some(2023),
        &["airport_closure/SD", "entry_ban/SD"],
    );
}

#[test]
fn admission_barred_and_no_international_flights_close_a_country() {
    expect(
        "",
        "Turkmenistan has barred admission to all travelers except its own citizens returning home.",
        &[],
        Some(2020),
        &["entry_ban/TM"],
    );
    expect(
        "",
        // (Said as "flights out of Turkmenistan", the country reads as where travellers come
        // from and only the airport closure stands: a known limit.)
        "At this time there are no scheduled international flights to or from Turkmenistan.",
        &[],
        Some(2020),
        &["airport_closure/TM", "entry_ban/TM"],
    );
    // Near miss: admission fees are not entry.
    expect("", "Museums in Turkmenistan raised admission fees for foreign visitors.", &[], Some(2020), &[]);
}

#[test]
fn french_and_spanish_adjectives_of_more_nationalities_are_places() {
    expect(
        "Cierran las fronteras argentinas hasta el 31 de marzo",
        "Sin más detalles.",
        &[],
        Some(2020),
        &["entry_ban/AR"],
    );
    expect(
        "",
        "Les autorités ont annoncé la fermeture de l'espace aérien libyen.",
        &[],
        Some(2020),
        &["airport_closure/LY", "entry_ban/LY"],
    );
    // Near miss: the country's own name is still a name, not an adjective.
    let a = analyze(
        "Argentina: frontera cerrada",
        "El gobierno de Argentina cerró la frontera.",
        &[],
        Some(2020),
    );
    assert_eq!(a.primary_country, Some(cc("AR")), "{a:?}");
}

#[test]
fn a_measure_demanded_is_not_in_force() {
    expect(
        "",
        "Los cívicos de Cochabamba pidieron al Gobierno del presidente de Bolivia que se aplique el estado de excepción.",
        &[],
        Some(2024),
        &[],
    );
    expect("", "Opposition leaders in Bolivia called for a state of emergency.", &[], Some(2024), &[]);
    // Near miss: a demand that governs something else leaves the measure as told.
    expect(
        "",
        "Opposition leaders in Bolivia called for protests despite the curfew in force since Monday.",
        &[],
        Some(2024),
        &["curfew/BO"],
    );
}

#[test]
fn in_order_to_is_not_an_end_in_spanish() {
    let a = analyze(
        "",
        "Bolivia declaró el estado de excepción con el fin de liberar las carreteras.",
        &[],
        Some(2024),
    );
    assert!(
        a.affirmed().any(|d| d.trigger.as_str() == "state_of_emergency" && d.country == Some(cc("BO"))),
        "{a:?}"
    );
    assert!(!a.affirmed().any(|d| d.trigger.as_str() == "state_of_emergency_lifted"), "{a:?}");
}

#[test]
fn firearms_used_against_the_police_are_not_their_live_fire() {
    expect("", "Protesters in Bolivia used dynamite and firearms against the police.", &[], Some(2025), &[]);
    expect("", "Usaron dinamita y armas de fuego contra la Policía en Bolivia.", &[], Some(2025), &[]);
    // Near miss: the police firing on protesters.
    expect(
        "",
        "La policía usó armas de fuego contra los manifestantes en Bolivia.",
        &[],
        Some(2025),
        &["live_ammunition/BO"],
    );
}

#[test]
fn french_conditional_border_closure_and_suspended_air_links() {
    expect(
        "",
        "Le président malien a déclaré que le gouvernement fermerait les frontières terrestres du Mali à partir de jeudi.",
        &[],
        Some(2020),
        &["entry_ban/ML"],
    );
    expect(
        "",
        "Le Mali suspend les liaisons aériennes avec les pays touchés.",
        &[],
        Some(2020),
        &["entry_ban/ML"],
    );
}

#[test]
fn a_city_that_is_a_leaders_first_name_is_no_place() {
    // Vladimir is also a Russian city.
    expect(
        "",
        "Russian President Vladimir Putin declared martial law in Kherson, in occupied Ukraine.",
        &[],
        Some(2022),
        &["martial_law/UA"],
    );
    expect(
        "Ukraine: Vladimir Putin decrees martial law in occupied Kherson",
        "The decree takes effect on Thursday in Kherson, Ukraine.",
        &[],
        Some(2022),
        &["martial_law/UA"],
    );
    // Opening the text, with no other place: no Russian city is named.
    let got = affirmed("", "Vladimir Putin spoke on television as a curfew began.", &[], Some(2022));
    assert!(!got.contains(&"curfew/RU".to_string()), "{got:?}");
    // Near miss: the city itself, led there.
    expect("", "A curfew was imposed in Vladimir after the riots.", &[], Some(2022), &["curfew/RU"]);
}

#[test]
fn an_occupiers_possessive_is_not_the_place() {
    let a = analyze(
        "",
        "Putin introduced martial law in the Russia's occupied Kherson and Zaporizhzhia regions of Ukraine, Russian media reported.",
        &[],
        Some(2022),
    );
    assert_eq!(a.primary_country, Some(cc("UA")), "{a:?}");
    assert!(a.affirmed().all(|d| d.country != Some(cc("RU"))), "{a:?}");
}

#[test]
fn french_border_and_air_link_closures_of_algeria() {
    expect(
        "",
        "Les frontières de l'Algérie restent fermées jusqu'à la fin de la pandémie.",
        &[],
        Some(2020),
        &["entry_ban/DZ"],
    );
    expect(
        "",
        "L'Algérie suspend les liaisons aériennes avec la France.",
        &[],
        Some(2020),
        &["entry_ban/DZ"],
    );
    expect(
        "",
        "Le gouvernement algérien a décidé de fermer ses frontières terrestres, marines et aériennes.",
        &[],
        Some(2021),
        &["airport_closure/DZ", "entry_ban/DZ"],
    );
    // Near miss: the end itself.
    expect("", "C'est la fin de la fermeture des frontières de l'Algérie.", &[], Some(2021), &[]);
}

#[test]
fn a_ban_on_arrivals_from_a_counted_list_belongs_to_the_country_imposing_it() {
    expect(
        "Saudi Arabia bans entry from 20 countries including India",
        "Saudi Arabia on Tuesday banned entry to the country for those coming from 20 countries, including India. Travel will be banned from Argentina, Brazil, Egypt, India and Indonesia.",
        &[],
        Some(2021),
        &["entry_ban/SA"],
    );
    expect(
        "",
        "Saudi Arabia announced it would suspend access to the Kingdom for those coming from 20 countries.",
        &[],
        Some(2021),
        &["entry_ban/SA"],
    );
    // Near miss: people fleeing a country do not make it an origin of arrivals; it stays the
    // subject.
    let a = analyze(
        "",
        "Thousands fled Sudan as fighting spread, and Sudan closed its airspace.",
        &[],
        Some(2023),
    );
    assert_eq!(a.primary_country, Some(cc("SD")), "{a:?}");
}

#[test]
fn a_state_of_emergency_coming_to_an_end_is_lifted() {
    expect(
        "Parliament approves lifting of SoE",
        "From midnight, the State of Emergency in Trinidad and Tobago, inclusive of the 10pm curfew, shall come to an end.",
        &[],
        Some(2021),
        &["state_of_emergency_lifted/TT"],
    );
}

#[test]
fn a_measure_told_in_the_past_does_not_outlast_the_ledes_lift() {
    expect(
        "",
        "The cabinet of South Africa announced the lifting of the midnight curfew on Thursday. Under alert level 1, the curfew was in place from midnight to 4am.",
        &[],
        Some(2021),
        &[],
    );
}

#[test]
fn a_lift_after_another_measures_noun_is_that_measures() {
    // The headline's first half lifts the platform ban; the curfew after the colon holds.
    expect(
        "Social media ban lifted: curfew declared in Pokhara",
        "Police patrolled the lakeside overnight.",
        &[],
        Some(2025),
        &["curfew/NP"],
    );
    // Near miss: the lift word right after the curfew itself still ends it.
    expect("Curfew lifted in Pokhara", "Shops reopened on Friday.", &[], Some(2025), &[]);
}

#[test]
fn a_countrys_company_is_an_owner_not_a_place() {
    expect(
        "Togo restricts online platforms",
        "The platforms blocked include US company Meta's Facebook and Instagram, officials in Lome said.",
        &[],
        Some(2024),
        &["internet_shutdown/TG"],
    );
    // Near miss: the country itself blocking keeps the measure.
    expect("", "The United States blocked WhatsApp on Tuesday.", &[], Some(2024), &["internet_shutdown/US"]);
}

#[test]
fn clock_times_in_two_places_give_a_time_zone_not_a_place() {
    expect(
        "",
        "The curfew in New Caledonia took effect at 9pm in Paris (6am in Noumea) on Monday.",
        &[],
        Some(2024),
        &["curfew/NC"],
    );
    // Near miss: an hour and a city without a second clock time is where the curfew holds.
    expect("", "A curfew from 9pm in Lyon was announced on Monday.", &[], Some(2024), &["curfew/FR"]);
}

#[test]
fn all_flights_stopped_at_one_city_close_its_airport_not_the_country() {
    expect(
        "",
        "The carrier suspended all flights to and from Pokhara until further notice.",
        &[],
        Some(2025),
        &["airport_closure/NP"],
    );
    // Near misses: flights to the country, or all international flights, shut it to arrivals.
    expect(
        "",
        "The government suspended all flights to and from Nepal until further notice.",
        &[],
        Some(2025),
        &["airport_closure/NP", "entry_ban/NP"],
    );
}

#[test]
fn tik_tok_written_as_two_words_is_the_platform() {
    expect(
        "",
        "In New Caledonia, Tik Tok has been banned since Wednesday.",
        &[],
        Some(2024),
        &["internet_shutdown/NC"],
    );
}

#[test]
fn a_digests_place_heading_owns_the_lines_under_it() {
    expect(
        "Weekly travel notes",
        "Chile\nUpdated advice on wildfires near Valparaiso.\nPeru\nUpdated information: a curfew is in force from 10pm.\nChile\nNew guidance on road closures in Chile.",
        &[],
        Some(2024),
        &["curfew/PE"],
    );
    // Near miss: a long sentence that happens to name a place is no heading; the measure
    // falls to the advisory's subject.
    expect(
        "Peru: advice updated",
        "Travellers from Chile arrived in Lima on Monday.\nA curfew is in force from 10pm.",
        &[],
        Some(2024),
        &["curfew/PE"],
    );
}

#[test]
fn flights_to_a_continent_are_routes_not_an_airport_closure() {
    expect("", "Canada suspended flights to Europe for 30 days.", &[], Some(2020), &[]);
    // Near miss: all flights suspended with no route named closes the country's airports.
    expect(
        "",
        "Canada suspended all flights for 30 days.",
        &[],
        Some(2020),
        &["airport_closure/CA", "entry_ban/CA"],
    );
}

#[test]
fn embassy_dependants_sent_home_is_a_drawdown() {
    expect(
        "Oman",
        "The Embassy remains open with limited services. The dependants of all embassy staff have been sent home.",
        &[],
        Some(2003),
        &["evacuation/OM"],
    );
    // Near miss: a staff cut alone may be a host's cap on diplomats.
    expect("Oman", "The Embassy in Muscat has reduced its staff.", &[], Some(2003), &[]);
}

#[test]
fn several_countries_closing_their_airspaces_each_close_theirs() {
    expect(
        "",
        "Oman, Jordan and Lebanon announced on Sunday the closure of their respective airspaces to civilian flights.",
        &[],
        Some(2025),
        &[
            "airport_closure/JO",
            "airport_closure/LB",
            "airport_closure/OM",
            "entry_ban/JO",
            "entry_ban/LB",
            "entry_ban/OM",
        ],
    );
    // Near miss: countries left unnamed give nothing to the advisory's subject.
    expect(
        "Syria: strikes continue",
        "Several neighbouring countries closed their airspaces on Sunday. Shelling hit Aleppo in Syria.",
        &[],
        Some(2025),
        &["airport_closure/-", "entry_ban/-"],
    );
}

#[test]
fn a_place_in_the_cause_after_a_measure_is_not_where_it_holds() {
    expect(
        "Jordan: flights diverted",
        "Authorities closed the airspace after Israel struck targets in Syria.",
        &[],
        Some(2025),
        &["airport_closure/JO", "entry_ban/JO"],
    );
    // Near miss: a place after the measure with no cause between is where it holds.
    expect("", "A curfew was imposed in Homs, Syria on Sunday.", &[], Some(2025), &["curfew/SY"]);
}

#[test]
fn an_attackers_nationality_names_the_attacker() {
    expect(
        "",
        "The airspace is closed. Iranian missiles and Iranian drones crossed overnight; Iranian strikes were reported near Amman, Jordan.",
        &[],
        Some(2025),
        &["airport_closure/JO", "entry_ban/JO"],
    );
}

#[test]
fn where_someone_spoke_is_not_where_the_measure_holds() {
    expect(
        "",
        "The president declared martial law in Mindanao, his spokesman announced in Tokyo on Tuesday.",
        &[],
        Some(2017),
        &["martial_law/PH"],
    );
    // Near miss: a measure declared in a city holds there.
    expect("", "Authorities declared a curfew in Osaka on Tuesday.", &[], Some(2017), &["curfew/JP"]);
}

#[test]
fn an_official_titled_before_a_city_name_is_a_person() {
    expect(
        "Philippines: martial law",
        "Executive Secretary Salvador Medialdea said martial law would hold for 60 days.",
        &[],
        Some(2017),
        &["martial_law/PH"],
    );
}

#[test]
fn a_wire_datelines_city_is_where_the_report_was_filed() {
    expect(
        "",
        "CAIRO, June 24 — Several airports in Libya closed as clashes spread.\nLibya's airports stayed shut on Tuesday.",
        &[],
        Some(2025),
        &["airport_closure/LY"],
    );
    expect(
        "",
        "ATHENS, Greece – Clashes spread in Tripoli, where authorities closed the airport.",
        &[],
        Some(2025),
        &["airport_closure/LY"],
    );
}

#[test]
fn a_governments_own_possessive_measure_is_its_country_s() {
    expect(
        "Gulf airspace update",
        "Missiles hit Israel on Monday, Iranian media said. The Omani Foreign Ministry announced the closure of its airspace.",
        &[],
        Some(2025),
        &["airport_closure/OM", "entry_ban/OM"],
    );
}

#[test]
fn a_named_airline_or_the_national_airline_stopping_flights_closes_no_airport() {
    expect(
        "",
        "Gulf Air, in a statement, said it had suspended flights to Amman due to the unrest in Jordan.",
        &[],
        Some(2025),
        &[],
    );
    expect("", "In Jordan, the national airline announced the suspension of flights.", &[], Some(2025), &[]);
    // Near miss: flights suspended by the authorities.
    expect("", "In Jordan, all flights were suspended on Monday.", &[], Some(2025), &["airport_closure/JO"]);
}

#[test]
fn air_navigation_suspended_and_national_airspace_closed_shut_the_country() {
    expect(
        "",
        "Bahrain confirmed a suspension of air navigation over the kingdom.",
        &[],
        Some(2025),
        &["airport_closure/BH", "entry_ban/BH"],
    );
    expect(
        "",
        "Iraq closed national airspace, including southern regions, on Monday.",
        &[],
        Some(2025),
        &["airport_closure/IQ", "entry_ban/IQ"],
    );
}

#[test]
fn a_countrys_own_leader_declaring_a_measure_declares_it_at_home() {
    expect(
        "Invasion: day one",
        "Russian troops crossed the border and Russian jets struck Russian-held areas. In response to the Russian invasion, Georgian President Salome Zourabichvili declared martial law.",
        &[],
        Some(2022),
        &["martial_law/GE"],
    );
    // Near miss: a city's council is no country's government.
    expect(
        "Nepal: protests",
        "Protesters marched on the Federal Parliament, where police responded with live fire.",
        &[],
        Some(2025),
        &["live_ammunition/NP"],
    );
}

#[test]
fn a_place_locating_another_in_an_aside_is_not_where_the_measure_holds() {
    expect(
        "",
        "Moldova, southwest of Ukraine, also closed its airspace on Thursday.",
        &[],
        Some(2022),
        &["airport_closure/MD", "entry_ban/MD"],
    );
    // Near miss: "the north of" a country is part of it.
    expect("", "A curfew was imposed in the north of Mali on Thursday.", &[], Some(2022), &["curfew/ML"]);
}

#[test]
fn a_cause_after_the_measure_does_not_narrow_it() {
    let a = analyze(
        "",
        "Ukraine closed its airspace to civilian flights after Western sanctions failed to deter an attack.",
        &[],
        Some(2022),
    );
    assert!(a.affirmed().any(|d| d.trigger.as_str() == "entry_ban" && !d.subnational), "{a:?}");
}

#[test]
fn a_regulator_barring_its_own_aircraft_bans_no_entry() {
    expect("", "Canada prohibits its air operators from entering Ukraine airspace.", &[], Some(2022), &[]);
    // Near miss: a country barring foreigners from entering it.
    expect("", "Canada prohibits foreigners from entering the country.", &[], Some(2022), &["entry_ban/CA"]);
}

#[test]
fn french_social_media_restricted_or_suspended_is_an_internet_shutdown() {
    expect(
        "Togo : le gouvernement suspend l'accès aux réseaux sociaux",
        "Les usagers de Lomé se plaignent.",
        &[],
        Some(2024),
        &["internet_shutdown/TG"],
    );
    expect(
        "",
        "Au Togo, l'accès aux médias sociaux devient quasiment impossible depuis mardi.",
        &[],
        Some(2024),
        &["internet_shutdown/TG"],
    );
}

#[test]
fn a_french_guess_at_what_may_come_is_not_in_force() {
    expect(
        "",
        "Au Togo, les appels à manifester laissent penser qu'internet sera bientôt coupé.",
        &[],
        Some(2024),
        &[],
    );
}

#[test]
fn a_lift_in_a_time_clause_before_a_new_measure_does_not_lift_it() {
    expect(
        "",
        "When the border crossings in Laos reopened last week, the authorities imposed a curfew.",
        &[],
        Some(2021),
        &["curfew/LA"],
    );
    // Near miss: the lift in the main clause still ends the measure.
    expect("", "When the protests ended, the authorities lifted the curfew in Laos.", &[], Some(2021), &[]);
}

#[test]
fn a_newspaper_or_a_residence_named_after_a_place_is_no_place() {
    expect(
        "",
        "All banks nationwide in Myanmar have shut down, reported The Bangkok Post.",
        &[],
        Some(2021),
        &["banking_suspension/MM"],
    );
    expect(
        "",
        "Myanmar's military declared a state of emergency, a White House statement said.",
        &[],
        Some(2021),
        &["state_of_emergency/MM"],
    );
}

#[test]
fn unrest_resuming_lifts_no_measure() {
    expect(
        "",
        "Police fired on crowds in Basra, Iraq. It was the first time live ammunition was fired at demonstrators in Basra since protests resumed on October 24.",
        &[],
        Some(2019),
        &["live_ammunition/IQ"],
    );
    // Near miss: flights resuming ends the airport's closure.
    expect("", "Flights resumed at Basra airport in Iraq, closed since Monday.", &[], Some(2019), &[]);
}

#[test]
fn closed_to_civilian_aircraft_is_an_airport_closure() {
    expect(
        "",
        "Almaty airport, the busiest in the country and now under the control of foreign and local troops, was still closed to civilian aircraft.",
        &["KZ"],
        Some(2022),
        &["airport_closure/KZ"],
    );
}

#[test]
fn a_measure_lifted_and_then_resuming_holds() {
    expect(
        "",
        "In Bhutan, the curfew, which was lifted at dawn, will resume from 9pm tonight.",
        &[],
        Some(2023),
        &["curfew/BT"],
    );
    // Near misses: lifted with nothing after it, and unrest (not the measure) resuming.
    expect(
        "",
        "In Bhutan, the curfew, which was imposed on Friday, was lifted at dawn.",
        &[],
        Some(2023),
        &[],
    );
    expect(
        "",
        "Bhutan lifted the curfew at dawn, but protests resumed in the afternoon.",
        &[],
        Some(2023),
        &[],
    );
}

#[test]
fn the_first_of_two_countries_joined_by_a_border_is_an_end_of_it() {
    // The curfew is the subject's (Uruguay's); the crossing only joins the two.
    expect(
        "",
        "Uruguay: el tráfico en el paso fronterizo entre Brasil y Uruguay fue escaso durante el toque de queda.",
        &["UY"],
        Some(2020),
        &["curfew/UY"],
    );
    expect(
        "",
        "Uruguay: traffic at the border crossing between Brazil and Uruguay was light during the curfew.",
        &["UY"],
        Some(2020),
        &["curfew/UY"],
    );
    // Near miss: "between" without a border noun keeps the place ("talks between").
    expect("", "A curfew is in force in Brazil between 10pm and 5am.", &[], Some(2020), &["curfew/BR"]);
}

#[test]
fn some_flights_cancelled_close_no_airport() {
    expect("", "En Lima, Perú, hubo vuelos cancelados y comercios sin abrir.", &[], Some(2022), &[]);
    expect("", "A Lima, au Pérou, des vols annulés et des magasins vides.", &[], Some(2022), &[]);
    // Near miss: all flights cancelled, or the airport closed, still close it.
    expect(
        "",
        "En Perú, todos los vuelos fueron cancelados y el aeropuerto de Lima está cerrado.",
        &[],
        Some(2022),
        &["airport_closure/PE"],
    );
}

#[test]
fn security_forces_shooting_at_protesters_is_live_fire() {
    expect(
        "",
        "In Malawi, security forces fired gunshots and tear gas to disperse protesters on Tuesday.",
        &[],
        Some(2023),
        &["live_ammunition/MW"],
    );
    expect(
        "",
        "Armed forces shooting civilians in Lilongwe, Malawi.",
        &[],
        Some(2023),
        &["live_ammunition/MW"],
    );
    // Near misses: shots into the air, and Spanish "disparar" as "set off".
    expect("", "In Malawi, police fired shots into the air to disperse protesters.", &[], Some(2023), &[]);
    expect(
        "",
        "En Bolivia, la subida de los precios, que dispararon las protestas, fue suspendida.",
        &[],
        Some(2023),
        &[],
    );
}

#[test]
fn unable_to_access_social_media_is_a_shutdown_and_a_nationwide_emergency_an_emergency() {
    expect(
        "",
        "Users in Malawi were unable to access Facebook, WhatsApp and other social media platforms on Sunday.",
        &[],
        Some(2023),
        &["internet_shutdown/MW"],
    );
    expect(
        "",
        "Malawi will impose a nationwide emergency from midnight tonight.",
        &[],
        Some(2023),
        &["state_of_emergency/MW"],
    );
    // Near miss: access restored.
    expect(
        "",
        "Users in Malawi who were unable to access Facebook on Sunday had it restored on Monday.",
        &[],
        Some(2023),
        &[],
    );
}

#[test]
fn powers_a_law_grants_are_not_measures_taken() {
    expect(
        "",
        "Bhutan's parliament approved a state of emergency that gives the army the power to declare curfews.",
        &[],
        Some(2020),
        &["state_of_emergency/BT"],
    );
    // Near miss: the army using the power.
    expect("", "In Bhutan, the army declared a curfew in Thimphu.", &[], Some(2020), &["curfew/BT"]);
}

#[test]
fn measures_left_to_expire_have_ended_and_a_forecast_end_has_not() {
    expect(
        "",
        "Bhutan allowed the curfews to expire without renewal; a state of emergency remains in effect.",
        &[],
        Some(2020),
        &["state_of_emergency/BT"],
    );
    // Forecasts of an end leave the measure standing.
    expect(
        "",
        "In Bhutan, the state of emergency was slated to expire on July 31 but was extended.",
        &[],
        Some(2020),
        &["state_of_emergency/BT"],
    );
    expect(
        "",
        "In Bhutan, Paro airport remains closed but will likely reopen on Friday.",
        &[],
        Some(2020),
        &["airport_closure/BT"],
    );
    // Near misses: a reported end, and a month named May before it.
    expect("", "In Bhutan, Paro airport reopened on Friday after a week.", &[], Some(2020), &[]);
    expect(
        "",
        "Disruptions continue in Bhutan as of May 28 after lifting of the state of emergency.",
        &[],
        Some(2020),
        &["state_of_emergency_lifted/BT"],
    );
}

#[test]
fn a_reopening_of_other_airports_leaves_the_one_still_closed() {
    expect(
        "",
        "In Peru, Andahuaylas Airport remains closed. All other airports that had closed, including Cusco airport, have reopened.",
        &[],
        Some(2022),
        &["airport_closure/PE"],
    );
    expect(
        "",
        "En Perú se mantienen cerradas cinco terminales aéreas: Arequipa, Puno y Cusco.",
        &[],
        Some(2022),
        &["airport_closure/PE"],
    );
    // Near miss: every airport reopened.
    expect(
        "",
        "In Peru, Andahuaylas Airport was closed on Monday. All airports in the country have reopened since.",
        &[],
        Some(2022),
        &[],
    );
}

#[test]
fn permission_to_impose_a_measure_is_not_the_measure() {
    expect(
        "",
        "Bhutan declared a state of emergency in Thimphu; the decree provides for permission to impose a curfew.",
        &[],
        Some(2020),
        &["state_of_emergency/BT"],
    );
    // Near miss: the curfew itself imposed.
    expect("", "Bhutan imposed a curfew in Thimphu under the decree.", &[], Some(2020), &["curfew/BT"]);
}

#[test]
fn a_purpose_after_the_act_does_not_make_it_hypothetical() {
    expect(
        "",
        "In Guinea, gendarmes opened fire to prevent demonstrators from reaching the prefecture in Labé.",
        &[],
        Some(2024),
        &["live_ammunition/GN"],
    );
    // Near miss: the purpose comes first and names the measure to be avoided.
    expect(
        "",
        "Guinea's mediators met the opposition in Labé to prevent a curfew in the city.",
        &[],
        Some(2024),
        &[],
    );
}

#[test]
fn security_forces_using_firearms_is_live_fire() {
    expect(
        "",
        "In Benin, soldiers used firearms to disperse the crowd outside the barracks in Parakou.",
        &[],
        Some(2024),
        &["live_ammunition/BJ"],
    );
    expect(
        "",
        "Au Bénin, deux protestataires ont été tués par balle devant la caserne de Parakou.",
        &[],
        Some(2024),
        &["live_ammunition/BJ"],
    );
    expect(
        "",
        "Au Bénin, le préfet a ordonné de tirer à vue sur les pilleurs à Parakou.",
        &[],
        Some(2024),
        &["live_ammunition/BJ"],
    );
    // Near miss: the firearms are the attackers'.
    expect(
        "",
        "In Benin, the gang used firearms during the robbery in Parakou; no one was hurt.",
        &[],
        Some(2024),
        &[],
    );
}

#[test]
fn power_and_water_cuts_are_not_the_internet() {
    expect(
        "",
        "Au Gabon, les manifestants ont appelé sur les réseaux sociaux à protester contre les coupures d'électricité.",
        &[],
        Some(2024),
        &[],
    );
    expect(
        "",
        "In Gabon, protesters used social media to denounce the power outages in Libreville.",
        &[],
        Some(2024),
        &[],
    );
    expect(
        "",
        "En Cuba, los vecinos denunciaron en las redes sociales los cortes de luz en La Habana.",
        &[],
        Some(2024),
        &[],
    );
    // Near misses: the network itself cut, beside a power cut.
    expect(
        "",
        "Au Gabon, internet est coupé depuis samedi et les coupures d'électricité se multiplient.",
        &[],
        Some(2024),
        &["internet_shutdown/GA"],
    );
    expect(
        "",
        "In Gabon, social media were blocked on Saturday amid a power outage in Libreville.",
        &[],
        Some(2024),
        &["internet_shutdown/GA"],
    );
}

#[test]
fn a_lift_whose_subject_is_another_country_is_that_countrys() {
    expect(
        "",
        "India closes 24 airports as Pakistan resumes flights nationwide.",
        &[],
        Some(2025),
        &["airport_closure/IN"],
    );
    // Near miss: the same country, or no country, before the lift.
    expect("", "India closes 24 airports as India resumes flights at Delhi.", &[], Some(2025), &[]);
    // An exclude word ("resumed") that is a second country's act does not veto the first's.
    expect(
        "",
        "India closed 24 airports on Thursday as Pakistan resumed flights nationwide.",
        &[],
        Some(2025),
        &["airport_closure/IN"],
    );
    expect("", "India closed 24 airports on Thursday and resumed flights on Friday.", &[], Some(2025), &[]);
    expect("", "The curfew in Mali was lifted on Friday.", &[], Some(2025), &[]);
}

#[test]
fn the_country_after_a_named_country_is_that_country() {
    let a = analyze(
        "India: airports closed",
        "India closed 24 airports on Thursday. Pakistan, meanwhile, resumed flights nationwide.",
        &[],
        Some(2025),
    );
    let india = Some(cc("IN"));
    assert!(a.affirmed().any(|d| d.trigger.as_str() == "airport_closure" && d.country == india), "{a:?}");
    assert!(!a.affirmed().any(|d| d.trigger.as_str() == "airport_reopened" && d.country == india), "{a:?}");
    assert!(
        a.affirmed().any(|d| d.trigger.as_str() == "airport_reopened" && d.country == Some(cc("PK"))),
        "{a:?}"
    );
    // Near miss: with no other country named first, "nationwide" is the advisory's subject.
    let a = analyze("India: airports reopen", "Flights resumed nationwide on Saturday.", &[], Some(2025));
    assert!(a.affirmed().any(|d| d.trigger.as_str() == "airport_reopened" && d.country == india), "{a:?}");
}

#[test]
fn a_landmark_in_an_aside_is_not_where_the_measure_holds() {
    expect(
        "",
        "The airport in Amritsar, near Lahore, was closed on Wednesday.",
        &[],
        Some(2025),
        &["airport_closure/IN"],
    );
    // Near miss: the city itself, not an aside.
    expect(
        "",
        "Pakistan closed the airport in Lahore on Wednesday.",
        &[],
        Some(2025),
        &["airport_closure/PK"],
    );
}

#[test]
fn a_past_year_against_the_measure_dates_it() {
    expect("", "Bolivia: the 2019 curfew in La Paz was remembered on Friday.", &[], Some(2021), &[]);
    expect("", "Qué fue el corralito 2001 en Argentina.", &[], Some(2021), &[]);
    expect("", "La crisis del 2001 trajo el corralito en Argentina.", &[], Some(2021), &[]);
    // Near misses: a year the measure runs from, and this year's.
    expect("", "Bolivia has kept the curfew since 2019 in La Paz.", &[], Some(2021), &["curfew/BO"]);
    expect("", "El corralito rige en Argentina desde 2019.", &[], Some(2021), &["banking_suspension/AR"]);
    expect("", "Bolivia: the 2021 curfew in La Paz holds tonight.", &[], Some(2021), &["curfew/BO"]);
}

#[test]
fn an_anniversary_looks_back() {
    expect("", "A 20 años del corralito en Argentina, los ahorristas recuerdan.", &[], Some(2021), &[]);
    expect("", "Han pasado 20 años desde el corralito en Argentina.", &[], Some(2021), &[]);
    expect(
        "Ten years since the coup in Burkina Faso",
        "Soldiers imposed a curfew in Ouagadougou and closed the borders.",
        &[],
        Some(2025),
        &[],
    );
    // Near miss: the same report without the anniversary in its title.
    expect(
        "Coup in Burkina Faso",
        "Soldiers imposed a curfew in Ouagadougou and closed the borders.",
        &[],
        Some(2025),
        &["curfew/BF", "entry_ban/BF"],
    );
}

#[test]
fn a_city_named_like_a_common_spanish_word_needs_its_country() {
    // "Nada" is a city in China and the Spanish for "nothing".
    expect(
        "",
        "Nada en Argentina volvió a ser igual tras el toque de queda.",
        &[],
        Some(2021),
        &["curfew/AR"],
    );
    let g = Gazetteer::get();
    assert!(g.cities().iter().filter(|c| c.name == "Nada").all(|c| c.wordlike));
    // Near miss: a large city whose name is no common word stays a city without its country.
    assert!(g.cities().iter().filter(|c| c.name == "Haikou").all(|c| !c.wordlike));
}

#[test]
fn a_plan_to_extend_a_measure_says_it_holds_now() {
    expect(
        "",
        "Norway's government plans to extend the current closure of the land border with Sweden.",
        &[],
        Some(2020),
        &["entry_ban/NO"],
    );
    expect(
        "",
        "Le gouvernement tchadien envisage de prolonger le couvre-feu à N'Djamena.",
        &[],
        Some(2020),
        &["curfew/TD"],
    );
    // Near miss: a plan to impose one.
    expect("", "Norway's government plans to close the land border with Sweden.", &[], Some(2020), &[]);
}

#[test]
fn anticipating_a_measure_is_not_the_measure() {
    expect(
        "",
        "In anticipation of more countries closing their borders, Norway urged its travellers to return home.",
        &[],
        Some(2020),
        &[],
    );
    // Near miss: the closure reported.
    expect("", "Norway closed its borders on Saturday.", &[], Some(2020), &["entry_ban/NO"]);
}

#[test]
fn denying_entry_to_non_citizens_is_an_entry_ban_and_a_rule_for_the_sick_is_no_closure() {
    expect(
        "",
        "Norway will deny entry to those who are not Norwegian citizens or residents.",
        &[],
        Some(2020),
        &["entry_ban/NO"],
    );
    expect(
        "",
        "Norway has banned domestic air travel for people with COVID-19 symptoms.",
        &[],
        Some(2020),
        &[],
    );
    // Near miss: air travel banned for everyone.
    expect(
        "",
        "Norway has banned all domestic air travel since Monday.",
        &[],
        Some(2020),
        &["airport_closure/NO"],
    );
}

#[test]
fn a_plural_back_reference_is_the_places_the_sentence_before_named() {
    expect(
        "State Department raises advisories",
        "The department raised its advisory to the highest level for Mali and Niger. It also allowed non-emergency US government personnel to depart from these countries.",
        &[],
        Some(2023),
        &["evacuation/ML", "evacuation/NE"],
    );
    // Near miss: no back-reference, so the earlier sentence's places are not taken.
    let got = affirmed(
        "State Department raises advisories",
        "The department raised its advisory to the highest level for Mali and Niger. It also allowed non-emergency US government personnel to depart.",
        &[],
        Some(2023),
    );
    assert!(!got.contains(&"evacuation/NE".to_string()), "{got:?}");
}

#[test]
fn an_adjective_of_doubt_qualifies_its_own_noun() {
    expect(
        "",
        "After an alleged raid on an army camp, Ethiopia placed the region under a state of emergency.",
        &[],
        Some(2020),
        &["state_of_emergency/ET"],
    );
    // Near misses: the doubt is about the measure itself, or about reports of it.
    expect("", "Ethiopia's alleged state of emergency in the region was denied.", &[], Some(2020), &[]);
    expect("", "There were unconfirmed reports of a curfew in Mekelle, Ethiopia.", &[], Some(2020), &[]);
}

#[test]
fn the_source_of_a_report_is_not_where_its_measure_holds() {
    expect(
        "Port Moresby riots",
        "According to Australia's ABC TV, the New Guinean government said the state of emergency would last 14 days.",
        &[],
        Some(2024),
        &["state_of_emergency/PG"],
    );
    // Near miss: the same country named as where the measure holds.
    expect(
        "",
        "Australia's government declared a state of emergency in Melbourne.",
        &[],
        Some(2024),
        &["state_of_emergency/AU"],
    );
}

#[test]
fn a_broadcaster_named_after_a_country_is_no_place() {
    expect(
        "Protests in Togo",
        "Protests went on in Lomé. The government cut access to social media and suspended Radio France Internationale and France 24 for three months.",
        &[],
        Some(2025),
        &["internet_shutdown/TG"],
    );
    // Near miss: the country itself, with a year after it.
    expect(
        "",
        "France 2025: the government blocked social media in Paris.",
        &[],
        Some(2025),
        &["internet_shutdown/FR"],
    );
}

#[test]
fn a_spanish_decision_to_close_airports_and_borders_is_a_closure() {
    // The infinitive after a decision ("la decisión de cerrar") states the measure.
    expect(
        "Medidas del gobierno",
        "El gobierno de Bolivia confirmó la decisión de cerrar aeropuertos y fronteras desde mañana.",
        &[],
        Some(2020),
        &["airport_closure/BO", "entry_ban/BO"],
    );
    // Near misses: a threat or a plan to close them is not yet a closure.
    expect("", "El gobierno de Bolivia amenazó con cerrar aeropuertos y fronteras.", &[], Some(2020), &[]);
    expect("", "Bolivia planea cerrar sus fronteras la próxima semana.", &[], Some(2020), &[]);
}

#[test]
fn where_flights_land_or_head_is_not_where_the_airport_closed() {
    // "allowed to land in the United States", "U.S.-bound flights": the flights' destination,
    // with or without an article, is not the place whose airport closed.
    expect(
        "Coup attempt in Turkey",
        "The regulator said flights from Istanbul that were in the air prior to the airport's closing would be allowed to land in the United States.",
        &[],
        Some(2016),
        &["airport_closure/TR"],
    );
    expect(
        "Coup attempt in Turkey",
        "All U.S.-bound flights were held after the airport closed in Istanbul.",
        &[],
        Some(2016),
        &["airport_closure/TR"],
    );
    expect(
        "Coup attempt in Turkey",
        "Flights were diverted to the Bulgarian capital after Ankara airport closed.",
        &[],
        Some(2016),
        &["airport_closure/TR"],
    );
    // Near miss: the same country as where airports closed.
    expect("", "Airports in the United States closed on Friday.", &[], Some(2016), &["airport_closure/US"]);
}

#[test]
fn social_networks_shut_down_are_an_internet_shutdown() {
    expect(
        "",
        "Social networks were shut down across Turkey overnight.",
        &[],
        Some(2016),
        &["internet_shutdown/TR"],
    );
    // Near miss: advice to use other means if they are blocked is no shutdown.
    expect("", "Use SMS in Turkey if social networks are blocked.", &[], Some(2016), &[]);
}

#[test]
fn a_rumoured_shutdown_is_not_a_shutdown() {
    expect("In Laos, rumours spread about an internet shutdown on polling day", "", &[], Some(2020), &[]);
    expect("", "Rumors that a curfew was imposed in Vientiane circulated on Monday.", &[], Some(2020), &[]);
    expect("", "Les rumeurs de couvre-feu à Vientiane se sont multipliées.", &[], Some(2020), &[]);
    // Near miss: a shutdown that is reported, not rumoured.
    expect("Laos shuts down the internet on polling day", "", &[], Some(2020), &["internet_shutdown/LA"]);
}

#[test]
fn a_verb_of_cutting_in_the_third_person_is_a_shutdown() {
    expect("", "Laos shuts down internet as protests grow.", &[], Some(2020), &["internet_shutdown/LA"]);
    expect("", "The regulator cuts off mobile internet in Laos.", &[], Some(2020), &["internet_shutdown/LA"]);
    // Near miss: a shop that shuts down is not the internet.
    expect("", "The internet café in Vientiane, Laos, shuts down for the holidays.", &[], Some(2020), &[]);
}

#[test]
fn firearms_used_on_protesters_are_live_fire_and_a_condemning_country_only_comments() {
    expect(
        "Heurts au Tchad",
        "Les forces de l'ordre ont fait usage d'armes à feu pour disperser les manifestants à N'Djamena.",
        &[],
        Some(2022),
        &["live_ammunition/TD"],
    );
    expect(
        "Heurts au Tchad",
        "La France condamne l'utilisation d'armes létales contre les manifestants.",
        &[],
        Some(2022),
        &["live_ammunition/TD"],
    );
    expect(
        "Clashes in Chad",
        "Germany condemned the use of lethal weapons against protesters in N'Djamena.",
        &[],
        Some(2022),
        &["live_ammunition/TD"],
    );
    expect(
        "Choques en Chad",
        "La policía usó armas de fuego para dispersar a la multitud en Yamena.",
        &[],
        Some(2022),
        &["live_ammunition/TD"],
    );
    // Near misses: protesters' own firearms are no live fire by the state, and a country that
    // condemns an attack and acts at home keeps its own measure.
    expect(
        "",
        "Des manifestants armés d'armes à feu ont attaqué un commissariat au Tchad.",
        &[],
        Some(2022),
        &[],
    );
    expect(
        "",
        "Chad condemned the attack and imposed a curfew in N'Djamena.",
        &[],
        Some(2022),
        &["curfew/TD"],
    );
}

#[test]
fn spanish_restrictions_of_platforms_are_an_internet_shutdown() {
    expect(
        "",
        "Paraguay limitó desde el lunes el acceso a las redes sociales y plataformas de mensajería.",
        &[],
        Some(2021),
        &["internet_shutdown/PY"],
    );
    expect(
        "",
        "Se confirma una interrupción parcial de las plataformas de mensajería en Paraguay.",
        &[],
        Some(2021),
        &["internet_shutdown/PY"],
    );
    // "No obstante" (however) opens the sentence; it negates nothing.
    expect(
        "",
        "Volvió el servicio en Paraguay. No obstante, sigue siendo imposible acceder a las redes sociales.",
        &[],
        Some(2021),
        &["internet_shutdown/PY"],
    );
    // Near misses: a real negation, and a ministry that limits the use of its own accounts.
    expect("", "En Paraguay no se restringió el acceso a las redes sociales.", &[], Some(2021), &[]);
    // "Not only … but also" denies neither.
    expect(
        "",
        "Not only a curfew but also a state of emergency was declared in Paraguay.",
        &[],
        Some(2021),
        &["curfew/PY", "state_of_emergency/PY"],
    );
}

#[test]
fn a_paragraph_opening_on_an_earlier_year_tells_history() {
    expect(
        "Security forces used excessive force, report says",
        "On 21 October 2024, protests spread across Lesotho. Telecoms companies cut the internet for days on end.",
        &[],
        Some(2025),
        &[],
    );
    // Near misses: a sentence that says the measure still holds, and a new paragraph.
    expect(
        "",
        "On 21 October 2024, protests spread across Lesotho. The internet blackout remains in place.",
        &[],
        Some(2025),
        &["internet_shutdown/LS"],
    );
    expect(
        "",
        "On 21 October 2024, protests spread across Lesotho.\n\nTelecoms companies cut the internet on Monday.",
        &[],
        Some(2025),
        &["internet_shutdown/LS"],
    );
    // A date of the advisory's own year leads nothing into the past.
    expect(
        "",
        "On 21 October 2025, protests spread across Lesotho. Telecoms companies cut the internet.",
        &[],
        Some(2025),
        &["internet_shutdown/LS"],
    );
}

#[test]
fn refraining_from_a_measure_and_firing_on_protesters() {
    // An appeal to refrain from a measure denies it is in place.
    expect(
        "",
        "The government of Malawi is urged to recognise the part the press plays in public debate and refrain from any form of internet shutdown.",
        &[],
        Some(2024),
        &[],
    );
    // "fire on protesters" in a headline is live fire.
    expect(
        "Police fire on protesters trying to storm Malawi's parliament",
        "",
        &[],
        Some(2024),
        &["live_ammunition/MW"],
    );
    // Near miss: a fire at a protest camp is no shooting.
    expect("", "A fire broke out at the protest camp in Lilongwe, Malawi.", &[], Some(2024), &[]);
}

#[test]
fn anniversary_protests_are_news() {
    // A title that marks an anniversary with protests under way is not a look back.
    expect(
        "LIVE: June 25 anniversary protests in Lilongwe",
        "Access to the messaging platform Telegram has been restricted in Malawi.",
        &[],
        Some(2025),
        &["internet_shutdown/MW"],
    );
    // Near miss: an anniversary piece looks back.
    expect(
        "Ten years since the Lilongwe riots",
        "Access to the messaging platform Telegram was restricted in Malawi.",
        &[],
        Some(2025),
        &[],
    );
}

#[test]
fn a_border_closure_belongs_to_the_country_closing_it() {
    // The infinitive after a decision closes the border.
    expect(
        "",
        "Uzbekistan decided to close its border crossings with Tajikistan on Friday.",
        &[],
        Some(2024),
        &["entry_ban/UZ"],
    );
    // Near miss: "close to the border" locates; it closes nothing.
    expect("", "The market is close to the border with Tajikistan.", &[], Some(2024), &[]);
    // A country named before "border" after a determiner or "on" is the far side.
    expect("Kenya shuts all Somalia land borders", "", &[], Some(2024), &["entry_ban/KE"]);
    expect("Norway to close last crossing on Russian border", "", &[], Some(2024), &["entry_ban/NO"]);
    // Where a crossing leads is its far end.
    expect("Poland closes border crossing into Belarus", "", &[], Some(2024), &["entry_ban/PL"]);
}

#[test]
fn places_in_a_circumstance_or_a_leading_cause_are_the_causes() {
    // "as its troops fought Russia": the circumstance's place does not get the measure.
    expect(
        "",
        "Georgia declared martial law on Sunday as its troops fought Russia near the border.",
        &[],
        Some(2024),
        &["martial_law/GE"],
    );
    // "the country" in a cause told after the match is the cause's country.
    expect(
        "Fighting in Burkina Faso",
        "Mali and Niger have decided to close their border crossings with Burkina Faso, as a result of the fighting in the country.",
        &[],
        Some(2024),
        &["entry_ban/ML", "entry_ban/NE"],
    );
    // The agent of a cause that opens the sentence is not where the measure holds.
    expect(
        "Decree of the President of Azerbaijan",
        "Due to the shelling of its villages by the armed forces of Armenia, martial law is declared throughout the country.",
        &[],
        Some(2024),
        &["martial_law/AZ"],
    );
    // Near miss: a cause with no agent keeps its place's country.
    expect("", "Due to the protests, Armenia declared martial law.", &[], Some(2024), &["martial_law/AM"]);
}

#[test]
fn police_gunfire_at_one_person_is_live_fire() {
    expect(
        "",
        "A student was shot in the chest by a police officer in Lima, Peru.",
        &[],
        Some(2024),
        &["live_ammunition/PE"],
    );
    // Near miss: a bean-bag round is not live ammunition.
    expect(
        "",
        "A student was shot in the chest with a bean-bag round by police in Lima, Peru.",
        &[],
        Some(2024),
        &[],
    );
    expect(
        "",
        "An officer discharged his firearm and a demonstrator was wounded in Quito, Ecuador.",
        &[],
        Some(2024),
        &["live_ammunition/EC"],
    );
    // Near miss: a gunman's firearm is a crime, not the security forces' live fire.
    expect("", "A gunman discharged his firearm outside a bar in Quito, Ecuador.", &[], Some(2024), &[]);
    expect(
        "",
        "Police opened fire on a protester in La Paz, Bolivia.",
        &[],
        Some(2024),
        &["live_ammunition/BO"],
    );
    expect(
        "",
        "He was hit by a live police round in Santiago, Chile.",
        &[],
        Some(2024),
        &["live_ammunition/CL"],
    );
}

#[test]
fn departing_a_country_is_leaving_it() {
    expect(
        "",
        "The United States ordered non-emergency US government employees to depart Guinea.",
        &[],
        Some(2024),
        &["evacuation/GN"],
    );
}

#[test]
fn a_past_decade_and_a_bill_are_not_measures_in_force() {
    expect("", "In the early 1990s, Tajikistan introduced a curfew in Dushanbe.", &[], Some(2020), &[]);
    // Near miss: a year of this decade is still news.
    expect("", "In early 2020, Tajikistan introduced a curfew in Dushanbe.", &[], Some(2020), &["curfew/TJ"]);
    expect("New bill to introduce martial law in Moldova", "", &[], Some(2024), &[]);
}

#[test]
fn hackers_are_actors_and_airlines_decide_their_own_flights() {
    // "alleged Russian cyberattacks": the attacker is not where the network is cut.
    expect(
        "",
        "Kazakhstan cut the internet on Monday, a move the government blamed on alleged Russian cyberattacks.",
        &[],
        Some(2024),
        &["internet_shutdown/KZ"],
    );
    // Airlines suspending their flights close no airport.
    expect(
        "",
        "Many airlines announced the suspension of flights to and from Nairobi, Kenya.",
        &[],
        Some(2024),
        &[],
    );
    expect("Kenya: airlines that have suspended flights", "", &[], Some(2024), &[]);
    // Near miss: airlines made to stop flying by the authorities.
    expect(
        "",
        "The authorities ordered airlines to suspend all flights at Nairobi airport in Kenya.",
        &[],
        Some(2024),
        &["airport_closure/KE"],
    );
}

#[test]
fn the_country_people_are_evacuated_from_is_the_subject() {
    let title = "Evacuation flights of nationals from Lebanon: update";
    let body = "The United States will arrange charter flights for US citizens who cannot book flights. \
                Travellers from the United States are barred from some routes. \
                The ministry has another evacuation flight planned for Friday.";
    assert_eq!(analyze(title, body, &[], Some(2024)).primary_country, Some(cc("LB")));
    let got = affirmed(title, body, &[], Some(2024));
    assert!(
        got.contains(&"evacuation/LB".to_string()) && !got.contains(&"evacuation/US".to_string()),
        "{got:?}"
    );
}

#[test]
fn old_news_new_again_restored_and_pandemic_measures() {
    // "aren't new": it has happened before.
    expect("", "While curfews aren't new in Chad, this one hit harder.", &[], Some(2024), &[]);
    // "restores" ends the blackout.
    expect("Ethiopia restores internet after two-week blackout", "", &[], Some(2024), &[]);
    // From 2023 on, the pandemic's border closures are over.
    expect("", "With COVID-19, tourism dropped as borders closed in Peru.", &[], Some(2024), &[]);
    // Near miss: during the pandemic they were news.
    expect(
        "",
        "With COVID-19, tourism dropped as borders closed in Peru.",
        &[],
        Some(2021),
        &["entry_ban/PE"],
    );
}

#[test]
fn a_place_an_aside_says_is_bordered_is_the_far_side() {
    expect(
        "Thailand: border districts",
        "The affected areas, which border Cambodian territory, are now under curfew.",
        &[],
        Some(2025),
        &["curfew/TH"],
    );
    // Near miss: an aside that puts the areas inside a country names where they are.
    expect(
        "Thailand: border districts",
        "The affected areas, which lie in Cambodia, are now under curfew.",
        &[],
        Some(2025),
        &["curfew/KH"],
    );
}

#[test]
fn a_forecast_that_a_measure_returns_is_not_one() {
    expect(
        "",
        "Sources close to the junta expect that the internet will be cut off again in Chad.",
        &[],
        Some(2024),
        &[],
    );
    // Near miss: the cut reported as done.
    expect(
        "",
        "Sources say the internet was cut off again in Chad.",
        &[],
        Some(2024),
        &["internet_shutdown/TD"],
    );
}

#[test]
fn mutineers_firing_is_not_the_security_forces_live_fire() {
    expect(
        "",
        "Mutinous soldiers fired their guns at several barracks in Ouagadougou, Burkina Faso.",
        &[],
        Some(2022),
        &[],
    );
    // Near miss: soldiers firing their guns at protesters.
    expect(
        "",
        "Soldiers fired their guns at protesters in Ouagadougou, Burkina Faso.",
        &[],
        Some(2022),
        &["live_ammunition/BF"],
    );
}

#[test]
fn spanish_platform_suspensions_and_old_names() {
    // The owner's nationality after "empresario" is not where the block holds.
    expect(
        "",
        "El bloqueo de la red social X, propiedad del empresario estadounidense Elon Musk, se mantiene en Venezuela.",
        &[],
        Some(2024),
        &["internet_shutdown/VE"],
    );
    expect(
        "",
        "Maduro ordenó la suspensión de la red social X en Venezuela.",
        &[],
        Some(2024),
        &["internet_shutdown/VE"],
    );
    // Near miss: suspended classes are no platform.
    expect("", "Maduro ordenó la suspensión de las clases en Venezuela.", &[], Some(2024), &[]);
    // "formerly known as" gives an old name, not an old time.
    expect(
        "",
        "X, formerly known as Twitter, was blocked in Venezuela on Thursday.",
        &[],
        Some(2024),
        &["internet_shutdown/VE"],
    );
    expect(
        "",
        "X, anteriormente conocida como Twitter, se bloqueó en toda Venezuela.",
        &[],
        Some(2024),
        &["internet_shutdown/VE"],
    );
    // Near miss: "previously" still dates the block.
    expect("", "Twitter was previously blocked in Venezuela.", &[], Some(2024), &[]);
}

#[test]
fn every_item_of_a_list_after_in_shares_it() {
    expect(
        "",
        "Curfews were imposed in Mali, Niger, Chad and Sudan.",
        &[],
        Some(2024),
        &["curfew/ML", "curfew/NE", "curfew/SD", "curfew/TD"],
    );
    expect(
        "",
        "In Albania, Eritrea, and Pakistan, non-emergency personnel and family members have been ordered to depart.",
        &[],
        Some(1998),
        &["evacuation/AL", "evacuation/ER", "evacuation/PK"],
    );
    // Near miss: a country in another clause is not in the list.
    expect(
        "",
        "Curfews were imposed in Mali on Monday; Chad said it was watching.",
        &[],
        Some(2024),
        &["curfew/ML"],
    );
}

#[test]
fn staff_authorized_to_depart_and_a_definition_of_a_warning() {
    expect(
        "",
        "Family members and non-emergency personnel of the U.S. Embassies in Kenya and Tanzania have been authorized to depart.",
        &[],
        Some(1998),
        &["evacuation/KE", "evacuation/TZ"],
    );
    // A definition says when a warning is issued; it reports no departure.
    expect(
        "",
        "A Travel Warning is also issued when the ability to assist citizens in Chad is constrained because of a drawdown of its staff.",
        &[],
        Some(2012),
        &[],
    );
}

#[test]
fn a_label_before_another_country_and_the_country_of_a_government_acting() {
    // A site's or agency's label before another country that opens the line is no place.
    expect(
        "",
        "Bulgaria: Egypt turns off the internet as protests grow.",
        &[],
        Some(2011),
        &["internet_shutdown/EG"],
    );
    // Near miss: a digest's label over a sentence that names no other place owns it.
    expect("", "Jordan: the government closed the border on Friday.", &[], Some(2024), &["entry_ban/JO"]);
    // "the country" after a government named by its nationality is that government's country.
    expect(
        "",
        "Protests toppled the leader of Tunisia. It comes after the Egyptian government shut down access to the internet in the country.",
        &[],
        Some(2011),
        &["internet_shutdown/EG"],
    );
    // Near miss: with no government named, "the country" is the previous sentence's.
    expect(
        "",
        "Protests toppled the leader of Tunisia. Access to the internet was shut down across the country.",
        &[],
        Some(2011),
        &["internet_shutdown/TN"],
    );
}

#[test]
fn abbreviated_dateline_months_and_picking_up_citizens() {
    // "Feb. 24" in a wire dateline keeps the dateline a dateline.
    expect(
        "",
        "TRIPOLI, Libya, Feb. 24 (UPI) -- Foreign governments worked to get their citizens out of Libya.",
        &[],
        Some(2011),
        &["evacuation/LY"],
    );
    expect(
        "",
        "Governments scrambled by air and sea to pick up their citizens stranded by Libya's unrest.",
        &[],
        Some(2011),
        &["evacuation/LY"],
    );
    // Near miss: parents picking up their children evacuate no one from the country.
    expect(
        "",
        "Parents rushed to pick up their children from schools in Tripoli, Libya.",
        &[],
        Some(2011),
        &[],
    );
}

/// Affirmed pairs for an advisory dated `(year, month, day)`.
fn affirmed_on(title: &str, body: &str, (y, m, d): (i32, u8, u8)) -> Vec<String> {
    scored_pairs(&engine().analyze(&DetectInput {
        title,
        body,
        declared: &[],
        year: Some(y),
        day: Some((m, d)),
    }))
}

#[test]
fn shots_told_as_on_a_day_weeks_before_are_history() {
    let body = "Police killed at least twenty protesters with live ammunition in Kasserine, Tunisia, between January 8 and 12.";
    // Three weeks later it is an account of the past; five days later it is news.
    assert_eq!(affirmed_on("", body, (2011, 2, 2)), Vec::<String>::new());
    assert_eq!(affirmed_on("", body, (2011, 1, 17)), vec!["live_ammunition/TN"]);
    // French, and a December day read from a January report (last year's).
    let fr = "Le 20 décembre, la police a tiré à balles réelles sur les manifestants à Tunis, en Tunisie.";
    assert_eq!(affirmed_on("", fr, (2011, 1, 14)), Vec::<String>::new());
    assert_eq!(affirmed_on("", fr, (2010, 12, 24)), vec!["live_ammunition/TN"]);
    // Near miss: a state imposed weeks ago may well go on; only events age this way.
    assert_eq!(
        affirmed_on("", "A curfew was imposed in Tunis, Tunisia, on January 12.", (2011, 2, 10)),
        vec!["curfew/TN"]
    );
    // Near miss: no date given, or one with its year (read by the rules of past years).
    assert_eq!(
        affirmed_on("", "Police fired live rounds at protesters in Tunis, Tunisia.", (2011, 2, 2)),
        vec!["live_ammunition/TN"]
    );
    assert_eq!(
        affirmed_on(
            "",
            "Police fired live rounds at protesters in Tunis, Tunisia, on January 30, 2011.",
            (2011, 2, 2)
        ),
        vec!["live_ammunition/TN"]
    );
}

#[test]
fn an_airspace_shut_down_a_lift_with_its_own_object_and_where_people_fled() {
    // "its airspace" whatever the verb's form closes the country to arrivals and flights.
    expect(
        "",
        "The violence has caused Tunisia to shut down its airspace.",
        &[],
        Some(2011),
        &["airport_closure/TN", "entry_ban/TN"],
    );
    expect(
        "",
        "Officials in Niger decided to close their airspace on Sunday.",
        &[],
        Some(2023),
        &["airport_closure/NE", "entry_ban/NE"],
    );
    // Near miss: part of it only closes no country.
    expect("", "Tunisia partially shut down its airspace.", &[], Some(2011), &["airport_closure/TN"]);
    // A lift verb opening the next clause governs the measure right after it.
    expect(
        "Tunisia extends state of emergency, ends curfew",
        "",
        &[],
        Some(2011),
        &["state_of_emergency/TN"],
    );
    // Near miss: a lift right after the first measure ends that one.
    expect(
        "",
        "In Tunisia the state of emergency was lifted, but a curfew remains in force.",
        &[],
        Some(2011),
        &["curfew/TN", "state_of_emergency_lifted/TN"],
    );
    // A lift verb with its own object after the measure ends that object; the country a
    // president fled to is not where the measure holds.
    expect(
        "",
        "A state of emergency was imposed on Friday as the president ended 23 years in power by fleeing to Saudi Arabia.",
        &["TN"],
        Some(2011),
        &["state_of_emergency/TN"],
    );
    expect(
        "",
        "A curfew was declared in Tunisia as the army lifted its siege of the town.",
        &[],
        Some(2011),
        &["curfew/TN"],
    );
    // Near miss: with nothing of its own after it, the lift is the measure's.
    expect("", "A curfew was declared in Tunisia and lifted the next morning.", &[], Some(2011), &[]);
    // Near miss: the country a president fled to acting for itself still counts.
    expect(
        "",
        "The president fled to Saudi Arabia. Saudi Arabia then declared a state of emergency.",
        &[],
        Some(2011),
        &["state_of_emergency/SA"],
    );
}

#[test]
fn a_nationality_before_calls_or_criticism_is_who_speaks() {
    expect(
        "",
        "The Tunisian regime answered American calls for restraint with live bullets.",
        &[],
        Some(2011),
        &["live_ammunition/TN"],
    );
    expect(
        "",
        "Police in Tunisia ignored French criticism and fired live rounds at protesters.",
        &[],
        Some(2011),
        &["live_ammunition/TN"],
    );
    // Near miss: the nationality of the police who shoot is the place.
    expect(
        "",
        "American police fired live rounds at protesters in Minneapolis.",
        &[],
        Some(2020),
        &["live_ammunition/US"],
    );
}

#[test]
fn networks_cut_together_an_agency_bracket_after_a_dateline_and_a_capitals_decision() {
    // Several networks in one list, "were all cut off" at its end.
    expect(
        "",
        "In Srinagar, India, the local internet, mobile networks, landline telephone networks and cable TV networks were all cut off.",
        &[],
        Some(2019),
        &["internet_shutdown/IN"],
    );
    // Near miss: a list of other things shut.
    expect("", "In Srinagar, India, roads, rail lines and ports were all shut down.", &[], Some(2019), &[]);
    // A comma may stand between a wire dateline and its agency's bracket, and a country in the
    // agency's name is no place.
    expect(
        "Communication blackout continues in Kashmir, India",
        "ISLAMABAD, (Pakistan Point News - 11th Aug, 2019 ) :The communication blackout continues on the 7th day.",
        &[],
        Some(2019),
        &["internet_shutdown/IN"],
    );
    // Near miss: a country after the bracket is the news's own.
    expect(
        "",
        "ISLAMABAD, (Reuters) - Pakistan suspended mobile internet services nationwide.",
        &[],
        Some(2023),
        &["internet_shutdown/PK"],
    );
    // A capital's decision is its government's, not a place where the measure holds.
    let a = analyze(
        "",
        "The easing of the curfew in Srinagar followed protests against Delhi's withdrawal of Kashmir's special status.",
        &[],
        Some(2019),
    );
    let cities: Vec<_> = a.affirmed().filter_map(|d| d.city.clone()).collect();
    assert!(cities.iter().all(|c| c != "Delhi") && cities.iter().any(|c| c == "Srinagar"), "{a:?}");
    // Near miss: a capital's own curfew is its own.
    let a = analyze("", "Delhi's curfew was extended by a week, India's officials said.", &[], Some(2019));
    assert!(a.affirmed().any(|d| d.city.as_deref() == Some("Delhi")), "{a:?}");
}

#[test]
fn two_cities_of_a_dateline_and_words_before_a_neighbour() {
    // "Osh/Moscow :": both cities are where the report was filed.
    expect(
        "",
        "Osh/Moscow : Uzbekistan closed its border with Kyrgyzstan on Tuesday.",
        &[],
        Some(2010),
        &["entry_ban/UZ"],
    );
    // Near miss: a city heading its own news after a slash is not a dateline without the colon.
    expect("", "Osh/Jalal-Abad curfew extended in Kyrgyzstan.", &[], Some(2010), &["curfew/KG"]);
    // "strife-torn", "war-torn", "neighbour" between "border with" and the country.
    expect("Uzbekistan closes border with strife-torn Kyrgyzstan", "", &[], Some(2010), &["entry_ban/UZ"]);
    expect(
        "",
        "Uzbekistan closed its border with war-torn neighbour Afghanistan.",
        &[],
        Some(2021),
        &["entry_ban/UZ"],
    );
    // Near miss: fleeing from a war-torn country does not make it a neighbour.
    expect(
        "",
        "Thousands fled from war-torn Sudan as a curfew was imposed in Khartoum.",
        &[],
        Some(2023),
        &["curfew/SD"],
    );
}

#[test]
fn rounds_seized_or_stored_are_no_shots_fired() {
    expect(
        "",
        "In Manama, Bahrain, a spokesman said four guns were confiscated along with live ammunition.",
        &[],
        Some(2011),
        &[],
    );
    expect("", "Troops found a cache of live ammunition near Manama, Bahrain.", &[], Some(2011), &[]);
    // Near miss: shots fired after a search are shots fired.
    expect(
        "",
        "After searching homes in Manama, Bahrain, police fired live ammunition at protesters.",
        &[],
        Some(2011),
        &["live_ammunition/BH"],
    );
}

#[test]
fn some_flights_cancelled_or_delayed_is_disruption_not_a_ban() {
    expect(
        "",
        "Snow is disrupting travel in Austria: many national and international flights have been cancelled or delayed.",
        &[],
        Some(2017),
        &[],
    );
    expect(
        "",
        "In Austria, several international flights were cancelled because of the storm.",
        &[],
        Some(2017),
        &[],
    );
    // Near miss: every international flight stopped shuts the country to arrivals.
    expect(
        "",
        "Austria has suspended all international flights until further notice.",
        &[],
        Some(2020),
        &["airport_closure/AT", "entry_ban/AT"],
    );
}

#[test]
fn what_ended_because_of_a_measure_and_an_event_named_with_its_year() {
    // The standoff ended because of the state of emergency; the emergency holds.
    expect(
        "",
        "The standoff in Yerevan, Armenia, ended early Sunday following a state of emergency declared by the president.",
        &[],
        Some(2008),
        &["state_of_emergency/AM"],
    );
    // Near miss: the measure itself ended.
    expect(
        "",
        "Armenia ended the state of emergency on Sunday.",
        &[],
        Some(2008),
        &["state_of_emergency_lifted/AM"],
    );
    // "las protestas … de 2008" in a later text is history (Spanish, French).
    expect(
        "Protestas de elecciones presidenciales armenias de 2008",
        "El presidente declaró un estado de emergencia de 20 días en Armenia.",
        &[],
        Some(2012),
        &[],
    );
    expect(
        "Les manifestations de 2008 en Arménie",
        "Le président a déclaré l'état d'urgence en Arménie.",
        &[],
        Some(2012),
        &[],
    );
    // Near miss: a decree numbered with its year may still hold.
    expect(
        "Decreto 5 de 2020",
        "El estado de emergencia sigue vigente en Armenia.",
        &[],
        Some(2021),
        &["state_of_emergency/AM"],
    );
}

#[test]
fn every_airport_of_the_country_shut_and_roads_to_an_airport_in_spanish() {
    expect(
        "",
        "El gobierno de Honduras anunció el cierre, a partir de mañana, de los cuatro aeropuertos internacionales del país.",
        &[],
        Some(2009),
        &["airport_closure/HN", "entry_ban/HN"],
    );
    // Near miss: one airport closed shuts no country.
    expect(
        "",
        "El aeropuerto de Tegucigalpa, en Honduras, permanecerá cerrado por 48 horas.",
        &[],
        Some(2009),
        &["airport_closure/HN"],
    );
    // Roads leading to the airport closed leave it open.
    expect(
        "",
        "En Tegucigalpa, Honduras, la policía cerró el tráfico en las calles de acceso al aeropuerto.",
        &[],
        Some(2009),
        &[],
    );
}

#[test]
fn people_and_craft_named_by_nationality_are_not_where_a_measure_holds() {
    // Men, ships and aircraft named by their nationality are acted on or act; the country
    // barring them is the one with the entry ban, and the title's subject.
    expect(
        "Belarus bars Polish men aged 18 to 50 from entering the country",
        "Poland protested the rule on Friday. Poland said the ban punished Poland for its support of the opposition, and Poland recalled its ambassador. Polish men aged 18 to 50 are barred from entering, officials said.",
        &[],
        Some(2023),
        &["entry_ban/BY"],
    );
    expect(
        "",
        "During the state of emergency, Latvia will not let Belarusian men enter its territory.",
        &[],
        Some(2023),
        &["state_of_emergency/LV"],
    );
    expect(
        "",
        "Moldova is under martial law while Russian reconnaissance aircraft patrol the border.",
        &[],
        Some(2023),
        &["martial_law/MD"],
    );
    // Near miss: a nationality before its own rulers names the country.
    expect("Polish President declares state of emergency", "", &[], Some(2023), &["state_of_emergency/PL"]);
}

#[test]
fn a_place_bordering_on_another_and_the_subject_of_a_circumstance() {
    expect(
        "",
        "Lithuania introduced martial law in five districts bordering on Belarus.",
        &[],
        Some(2023),
        &["martial_law/LT"],
    );
    // Near miss: the measure in the neighbour itself.
    expect("", "Martial law was introduced in Belarus on Monday.", &[], Some(2023), &["martial_law/BY"]);
    // "as X refuses …": the subject of a circumstance beside the measure.
    expect(
        "Latvia declares state of emergency as Belarus refuses to take back migrants",
        "",
        &[],
        Some(2023),
        &["state_of_emergency/LV"],
    );
    // Near miss: with no other place, the circumstance's place is the advisory's subject.
    expect(
        "State of emergency declared as Peru braces for new protests",
        "",
        &[],
        Some(2023),
        &["state_of_emergency/PE"],
    );
    // A country that seizes another's ships acts on it.
    expect(
        "",
        "Ukraine imposed martial law on Monday, a day Russia seized three of its navy ships.",
        &[],
        Some(2018),
        &["martial_law/UA"],
    );
}

#[test]
fn a_measure_only_asked_for_or_approached() {
    expect(
        "",
        "The president of Moldova will ask parliament to approve the imposition of martial law.",
        &[],
        Some(2023),
        &[],
    );
    expect(
        "",
        "Moldova's president said he will propose to the Parliament or the Senate to approve the declaration of a state of emergency.",
        &[],
        Some(2023),
        &[],
    );
    expect("Moldova on the verge of martial law", "", &[], Some(2023), &[]);
    // Near miss: approved, it holds.
    expect(
        "",
        "The parliament of Moldova voted to approve the imposition of martial law.",
        &[],
        Some(2023),
        &["martial_law/MD"],
    );
}

#[test]
fn an_end_only_asked_for_has_not_happened() {
    expect(
        "",
        "Rights groups have called for the removal of the state of emergency in Kazakhstan.",
        &[],
        Some(2012),
        &[],
    );
    expect(
        "",
        "Opposition leaders demanded an end to the state of emergency in Kazakhstan.",
        &[],
        Some(2012),
        &[],
    );
    // Near miss: announced, it has ended.
    expect(
        "",
        "Kazakhstan announced the removal of the state of emergency on Monday.",
        &[],
        Some(2012),
        &["state_of_emergency_lifted/KZ"],
    );
}

#[test]
fn a_title_the_body_never_names_is_another_storys() {
    // A scraped page keeps another story's headline over a report from Uzbekistan.
    expect(
        "Gunmen kill Iranian policeman in restive southeast",
        "Residents of Nukus say the Uzbek authorities keep the region cut off. The internet has been restricted in the region since Friday, officials in Tashkent said. Uzbek media reported that banks had reopened.",
        &[],
        Some(2022),
        &["internet_shutdown/UZ"],
    );
    // Near miss: a body that names another country once still leaves the title its subject.
    expect(
        "Kenya: curfew extended",
        "The government extended the curfew for another week, officials said. Traders from Uganda complained about closed markets.",
        &[],
        Some(2022),
        &["curfew/KE"],
    );
}

#[test]
fn networks_severed_or_unavailable() {
    expect(
        "",
        "The government of Chad decided to sever mobile internet connections on Monday.",
        &[],
        Some(2022),
        &["internet_shutdown/TD"],
    );
    expect(
        "",
        "Fixed-line internet became unavailable across Mali on Monday.",
        &[],
        Some(2022),
        &["internet_shutdown/ML"],
    );
    // Near miss: electricity is no network.
    expect("", "Electricity became unavailable across Mali on Monday.", &[], Some(2022), &[]);
}

#[test]
fn a_digest_paragraph_about_one_other_country() {
    let body = "Chile (threat level 3): Protests continued in Santiago, Chile, on Monday.\n\n\
                The government of Peru extended nationwide restrictions until 31 March. Under the \
                restrictions, a nightly curfew remains in effect from 2200 to 0400.";
    expect("Daily security digest", body, &[], Some(2021), &["curfew/PE"]);
    // Near miss: a paragraph that names the subject too stays with the subject.
    let body = "Chile (threat level 3): Protests continued in Santiago, Chile, on Monday.\n\n\
                The president of Peru visited Chile on Monday. A nightly curfew remains in effect \
                from 2200 to 0400.";
    expect("Daily security digest", body, &[], Some(2021), &["curfew/CL"]);
    // An embassy's alert titled with its own seat is about the place its body names.
    let title = "U.S. Embassy in Barbados issues security alert";
    let body = "Location: Throughout Martinique\nEvent: Security in Martinique\nAuthorities in Martinique \
                re-imposed a curfew from 9pm because of looting. At least one person has died in the unrest. \
                The curfew will be in place through Monday, October 14.\nU.S. citizens in Martinique should \
                check with local authorities.";
    assert_eq!(analyze(title, body, &[], Some(2024)).primary_country, Some(cc("MQ")));
    expect(title, body, &[], Some(2024), &["curfew/MQ"]);
}

#[test]
fn air_and_land_borders_and_an_airspace_closed_to_other_countries() {
    // Air borders closed close the airspace: both an airport closure and an entry ban.
    expect(
        "",
        "The junta announced the closure of air and land borders in Gabon.",
        &[],
        Some(2023),
        &["airport_closure/GA", "entry_ban/GA"],
    );
    // Near miss: land borders alone.
    expect(
        "",
        "The junta announced the closure of land borders in Gabon.",
        &[],
        Some(2023),
        &["entry_ban/GA"],
    );
    // An airspace closed to flights to and from other countries is closed.
    expect(
        "",
        "Mali's airspace remains closed to flights to and from other countries.",
        &[],
        Some(2023),
        &["airport_closure/ML", "entry_ban/ML"],
    );
    // Near miss: an airline's routes to several countries stopped close no airport.
    expect("", "Kenya Airways suspended flights to and from several countries.", &[], Some(2023), &[]);
    // Neighbours listed in brackets after "neighbouring countries" are not where it holds.
    expect(
        "",
        "Despite the opening of land borders with some neighbouring countries (Ghana, Togo and Benin), Burkina Faso's airspace remains closed.",
        &[],
        Some(2023),
        &["airport_closure/BF", "entry_ban/BF"],
    );
}

#[test]
fn borders_shut_by_a_participle_and_all_international_flights_cancelled() {
    // French: a decree "closing thereby the country's borders".
    expect(
        "",
        "Le président a décrété l'état d'urgence au Pérou, suspendant les droits civiques et fermant ainsi les frontières du pays.",
        &[],
        Some(2010),
        &["entry_ban/PE", "state_of_emergency/PE"],
    );
    // Near miss: the borders reopening.
    expect("", "Le Pérou annonce la réouverture des frontières du pays.", &[], Some(2010), &[]);
    // Every international flight cancelled shuts the country's air traffic.
    expect(
        "",
        "In Peru, all international flights have been cancelled since this morning.",
        &[],
        Some(2010),
        &["airport_closure/PE", "entry_ban/PE"],
    );
    // Near miss: some flights cancelled.
    expect(
        "",
        "In Peru, some international flights have been cancelled since this morning.",
        &[],
        Some(2010),
        &[],
    );
}

#[test]
fn regions_of_one_country_name_the_subject_when_nothing_else_does() {
    // Two regions only Ethiopia has, and no country or town named.
    expect(
        "Emergency declared",
        "A state of emergency was declared in Tigray and Afar on Tuesday.",
        &[],
        None,
        &["state_of_emergency/ET"],
    );
    // One region no town shares the name of is enough.
    expect("Curfew", "A curfew is in force in Manipur after the clashes.", &[], None, &["curfew/IN"]);
    // A kind word after a region that is also a town's name makes it the region.
    let a = analyze("Curfew", "A curfew was imposed in Pattani province.", &[], None);
    assert_eq!(a.primary_country, Some(cc("TH")), "{a:?}");
    // Near misses: a region that is also a town's name, alone; a name two countries' regions
    // share (Punjab); regions named like ordinary words (Nigeria's Delta and Rivers, South
    // Sudan's Unity).
    for body in [
        "The decree imposed in Pattani was extended.",
        "A curfew was imposed in Punjab after the clashes.",
        "A curfew was imposed in the Delta after clashes between fishermen.",
        "Police declared a curfew after clashes at the Unity rally; Rivers of people marched.",
    ] {
        let a = analyze("Curfew", body, &[], None);
        assert_eq!(a.primary_country, None, "{body}: {a:?}");
    }
}

#[test]
fn a_region_that_names_its_country_counts_toward_the_subject() {
    // The title's region is Myanmar's; the body names Washington and the United States more
    // often than Myanmar, as the ones acting elsewhere.
    let title = "Still no internet in Rakhine state";
    let body = "A sweeping internet shutdown in Myanmar's conflict-hit Rakhine state went into its fifth week. \
                Operators suspended internet data in eight townships. \
                Last week Washington barred the army chief from visiting the United States (US).";
    let a = analyze(title, body, &[], None);
    assert_eq!(a.primary_country, Some(cc("MM")), "{a:?}");
    // Near miss: a region's name that is a country's where it stands is the country (Georgia
    // is also a state of the United States).
    let a =
        analyze("Curfew in Georgia", "A curfew is in force in Georgia after protests in Tbilisi.", &[], None);
    assert_eq!(a.primary_country, Some(cc("GE")), "{a:?}");
}

#[test]
fn a_town_named_like_a_word_opening_a_sentence_is_the_word() {
    let cities = |title: &str, body: &str| -> Vec<String> {
        analyze(title, body, &[], None).affirmed().filter_map(|d| d.city.clone()).collect()
    };
    let got = cities(
        "Manipur curfew",
        "Along with a ban on large gatherings, a night curfew has been imposed in several districts of Manipur.",
    );
    assert!(got.is_empty(), "{got:?}");
    // Near miss: the sentence names the town's country, so the town is meant.
    let got = cities("Curfew", "Mobile was placed under a curfew on Monday, United States officials said.");
    assert_eq!(got, ["Mobile"]);
}

#[test]
fn a_town_named_like_a_first_name_before_a_surname_is_a_person() {
    // George is a South African town; here it is a man's first name, in the title and the body.
    expect(
        "George Floyd Protests Continue as Cities Seek to Impose Order",
        "Cities across the country declared curfews on Sunday as protests continued over the death of George Floyd. \
         In Minneapolis, a curfew was declared from 8 p.m. to 6 a.m.",
        &[],
        None,
        &["curfew/US"],
    );
    // Near misses: the town itself, and a town's name continued by a word of place.
    expect(
        "Curfew",
        "A curfew was imposed in George after the riots, South African police said.",
        &[],
        None,
        &["curfew/ZA"],
    );
    expect("Curfew", "A curfew was imposed in George Town, Penang.", &[], None, &["curfew/MY"]);
}

#[test]
fn a_word_after_a_town_that_recurs_alone_is_a_surname() {
    // Medina is a Saudi city; "Ahmed" comes back on its own, as a surname does.
    let a = analyze(
        "Curfew extended",
        "The death of Medina Ahmed in custody on Monday sparked protests. Ahmed's family called for calm as the curfew was extended by one day.",
        &[],
        None,
    );
    assert_eq!(a.primary_country, None, "{a:?}");
    assert!(a.detections.iter().all(|d| d.country != Some(cc("SA"))), "{a:?}");
    // Near miss: a capitalised word after the town that does not recur (a weekday).
    expect("Curfew", "Crowds gathered in Medina Tuesday night as a curfew began.", &[], None, &["curfew/SA"]);
}

#[test]
fn removing_a_threat_is_no_lift_of_the_measure() {
    // "to remove" after the measure, with an object of its own: the measure's purpose.
    for body in [
        "Turkey's president declared a three-month state of emergency. He said the purpose of the state of emergency is to remove this threat as soon as possible.",
        "Turkey's president declared a three-month state of emergency. The objective of the state of emergency is to take steps to remove threat as soon as possible.",
    ] {
        expect("Turkey", body, &[], None, &["state_of_emergency/TR"]);
    }
    // Near miss: what is removed names the measure.
    expect(
        "Turkey",
        "Turkey's parliament debated the state of emergency on Thursday and voted to remove the emergency rules.",
        &[],
        None,
        &["state_of_emergency_lifted/TR"],
    );
}

#[test]
fn a_war_named_after_a_country_is_no_place() {
    // "la guerre d'Algérie" dates the earlier emergency; Algeria is not where it holds.
    let got = affirmed(
        "France",
        "L'état d'urgence a été décrété en France. C'était lors de la guerre d'Algérie qu'un état d'urgence avait été instauré.",
        &[],
        None,
    );
    assert!(!got.iter().any(|d| d.ends_with("/DZ")), "{got:?}");
    let got = affirmed("Curfew", "A curfew was last imposed during the Algerian War.", &[], None);
    assert!(!got.iter().any(|d| d.ends_with("/DZ")), "{got:?}");
    // Near miss: the country itself.
    expect("Algeria", "A curfew was imposed in Algeria on Friday.", &[], None, &["curfew/DZ"]);
}

#[test]
fn an_alternative_set_against_a_measure_negates_it() {
    for body in [
        "France announced reinforced border controls rather than a closure of its borders.",
        "La présidence a précisé qu'il s'agissait d'un renforcement des contrôles aux frontières et non d'une fermeture des frontières en France.",
    ] {
        expect("France", body, &[], None, &[]);
    }
    // Near miss: the measure chosen over the alternative holds.
    expect(
        "Kenya",
        "Kenya imposed a curfew in Nairobi instead of a state of emergency.",
        &[],
        None,
        &["curfew/KE"],
    );
}

#[test]
fn a_later_correction_takes_an_earlier_report_back() {
    let body = "Hollande initially announced the closure of France's borders. \
                The presidency later clarified that it was in fact a reinforcement of border controls, not a closure of the borders.";
    expect("France", body, &[], None, &[]);
    // Near miss: a plain negation about another moment does not take the report back.
    let body = "France closed its borders on Friday. On Thursday there had been no closure of the borders.";
    expect("France", body, &[], None, &["entry_ban/FR"]);
}

#[test]
fn a_nationality_naming_a_language_is_no_place() {
    // The language of a region's people says nothing of another country.
    expect(
        "",
        "Mobile internet has been cut off in the English-speaking regions of Cameroon since Monday.",
        &[],
        Some(2017),
        &["internet_shutdown/CM"],
    );
    expect(
        "",
        "The authorities of Canada shut down the internet in areas where French speakers live.",
        &[],
        Some(2017),
        &["internet_shutdown/CA"],
    );
    expect(
        "",
        "Le Cameroun a coupé l'internet dans les régions où l'on parle la langue anglaise.",
        &[],
        Some(2017),
        &["internet_shutdown/CM"],
    );
    // Near miss: a nationality before the people or the state it names still counts.
    expect(
        "",
        "British authorities shut down the internet in Manchester on Monday.",
        &[],
        Some(2017),
        &["internet_shutdown/GB"],
    );
}

#[test]
fn a_town_name_before_a_kind_of_region_is_that_region() {
    // "Saint James" is also a town's name elsewhere; before "parish" it is Jamaica's parish.
    expect(
        "Jamaica: state of emergency extended",
        "Parliament extended the state of emergency in Saint James parish until August.",
        &[],
        Some(2018),
        &["state_of_emergency/JM"],
    );
    // Near miss: a province named after its own capital keeps the town.
    let a = analyze(
        "",
        "The state of emergency in Pattani province was extended for three months.",
        &[],
        Some(2018),
    );
    assert!(
        a.affirmed().any(|d| d.trigger.as_str() == "state_of_emergency"
            && d.country == Some(cc("TH"))
            && d.city.as_deref() == Some("Pattani")),
        "{a:?}"
    );
}

#[test]
fn airport_activity_stopped_is_an_airport_closure() {
    expect(
        "",
        "Tras los ataques en Hermosillo, el gobierno de México ordenó la suspensión de actividades aeroportuarias y de clases.",
        &[],
        Some(2023),
        &["airport_closure/MX"],
    );
    expect(
        "",
        "Au Sénégal, les activités aéroportuaires sont suspendues à Dakar jusqu'à nouvel ordre.",
        &[],
        Some(2023),
        &["airport_closure/SN"],
    );
    // Near misses: activity resumed; activity named without a stop.
    expect(
        "",
        "En México, las actividades aeroportuarias se reanudaron en Hermosillo tras la suspensión de clases.",
        &[],
        Some(2023),
        &[],
    );
    expect(
        "",
        "Les activités aéroportuaires ont repris à Dakar, au Sénégal, ce matin.",
        &[],
        Some(2023),
        &[],
    );
}

#[test]
fn a_past_year_in_an_aside_before_the_measure_dates_the_aside() {
    // The region's history is dated, not its measure.
    expect(
        "",
        "Transnistria, which broke away from Moldova after a war in 1992, declared its own state of emergency this week.",
        &[],
        Some(2024),
        &["state_of_emergency/MD"],
    );
    // Near misses: a year outside the aside dates the measure.
    expect("", "In 2019 Moldova, which is small, declared a state of emergency.", &[], Some(2024), &[]);
    expect("", "Moldova, a small country, declared a state of emergency in 2019.", &[], Some(2024), &[]);
}

#[test]
fn goods_and_pressures_from_a_country_are_not_its_measures() {
    // Where gas or pressure comes from is not where the emergency holds.
    expect(
        "Moldova declares a state of emergency as fears of Russian gas shortage loom",
        "Parliament voted on Friday.",
        &[],
        Some(2024),
        &["state_of_emergency/MD"],
    );
    expect(
        "Moldova votes for emergency powers",
        "He said the vote for a state of emergency was a decision to end “gas blackmail” from Russia.",
        &[],
        Some(2024),
        &["state_of_emergency/MD"],
    );
    expect(
        "",
        "Moldova's parliament imposed a state of emergency over fears that Russia could leave the country without gas.",
        &[],
        Some(2024),
        &["state_of_emergency/MD"],
    );
    // Near misses: the nationality before its own people, and "from" a country that acts.
    expect(
        "",
        "Russian authorities declared a state of emergency in Belgorod after shelling from Ukraine.",
        &[],
        Some(2024),
        &["state_of_emergency/RU"],
    );
}

#[test]
fn restoring_order_lifts_no_measure() {
    expect(
        "",
        "Indonesia blocked mobile internet in Papua on Wednesday to speed up the process of restoring security and order.",
        &[],
        Some(2019),
        &["internet_shutdown/ID"],
    );
    expect(
        "",
        "Le Gabon a coupé l'internet mardi afin de rétablir l'ordre dans la capitale.",
        &[],
        Some(2023),
        &["internet_shutdown/GA"],
    );
    // Near miss: restoring the service itself ends the shutdown.
    expect(
        "",
        "Indonesia blocked mobile internet in Papua last month and is now restoring access in full.",
        &[],
        Some(2019),
        &[],
    );
}

#[test]
fn a_partial_lift_leaves_the_measure_in_force_elsewhere() {
    expect(
        "",
        "Internet access is still being restricted in Jayapura, Papua. Normal internet access has been restored in 19 districts.",
        &[],
        Some(2019),
        &["internet_shutdown/ID"],
    );
    expect(
        "",
        "Indonesia has partially lifted an internet blackout in Papua. The government had maintained the internet blackout in Jayapura.",
        &[],
        Some(2019),
        &["internet_shutdown/ID"],
    );
    // Near miss: a lift told without limits ends it.
    expect(
        "",
        "Internet access was restricted in Jayapura, Papua. Internet access has been restored across the region.",
        &[],
        Some(2019),
        &[],
    );
}

#[test]
fn text_without_sentence_ends_stays_bounded() {
    // 60 KB with no full stop: pieces of at most a sentence's longest length, and evidence cut
    // to a window around each match, so memory and work per match do not grow with the text.
    let body = "Mali declared a curfew in Bamako and the army deployed in the streets ".repeat(900);
    let pieces = sentences::sentences(&body);
    assert!(pieces.len() > 10, "{}", pieces.len());
    assert!(pieces.iter().all(|r| r.len() <= sentences::MAX_SENTENCE));
    // Every word is kept: the pieces join back into the text.
    let joined: usize = pieces.iter().map(|r| body[r.clone()].split_whitespace().count()).sum();
    assert_eq!(joined, body.split_whitespace().count());
    let a = analyze("", &body, &[], Some(2024));
    assert!(a.affirmed().any(|d| d.trigger.as_str() == "curfew" && d.country == Some(cc("ML"))), "{a:?}");
    assert!(a.detections.iter().all(|d| d.evidence.len() <= 2_000), "evidence not cut");
    // Near miss: an ordinary sentence is kept whole as evidence.
    let a = analyze("", "Mali declared a curfew in Bamako on Monday.", &[], Some(2024));
    assert!(
        a.detections.iter().any(|d| d.evidence == "Mali declared a curfew in Bamako on Monday."),
        "{a:?}"
    );
}

#[test]
fn where_a_leader_spoke_is_not_where_the_measure_holds() {
    // The speech's venue, however it is described, is not a place of the measure.
    let cities = |body: &str| -> Vec<String> {
        let a = analyze("", body, &[], Some(2025));
        let mut v: Vec<String> = a
            .affirmed()
            .filter(|d| d.trigger.as_str() == "state_of_emergency")
            .filter_map(|d| d.city.clone())
            .collect();
        v.sort();
        v.dedup();
        v
    };
    let body = "Kenya's president declared a state of emergency in three northern counties, \
                he said on Monday at the National Disaster Operations Centre in the capital Nairobi.";
    assert!(cities(body).is_empty(), "{:?}", analyze("", body, &[], Some(2025)));
    let body = "Kenya's president declared a state of emergency in three counties, speaking late \
                on Monday at State House in Nairobi.";
    assert!(cities(body).is_empty(), "{:?}", analyze("", body, &[], Some(2025)));
    // Near misses: the measure's own place, and a report that names where it holds.
    let body = "Kenya's president declared a state of emergency in the capital Nairobi on Monday.";
    assert_eq!(cities(body), ["Nairobi"]);
    let body = "Kenya's president said a state of emergency now holds in the capital Nairobi.";
    assert_eq!(cities(body), ["Nairobi"]);
}

#[test]
fn what_governments_in_general_do_is_no_report() {
    // A generic remark beside a report names no measure of its own.
    expect(
        "",
        "Governments around the world have increasingly resorted to internet cuts during protests.",
        &[],
        Some(2024),
        &[],
    );
    expect(
        "",
        "Blocking social media has become a common tactic of governments facing unrest.",
        &[],
        Some(2024),
        &[],
    );
    // Near miss: the report itself, beside the generic remark.
    expect(
        "",
        "Mobile internet has been cut in Mauritania since Monday night. Governments worldwide \
         increasingly resort to such cuts.",
        &[],
        Some(2024),
        &["internet_shutdown/MR"],
    );
}

#[test]
fn an_event_named_by_an_earlier_year_dates_what_follows() {
    // "the 2019 election" dates its clause; a past-tense sentence after it goes on with it.
    expect(
        "Results announced",
        "The aftermath of the 2019 election was marked by clashes and arrests. It was also \
         accompanied by a ten-day internet blackout.",
        &["MR"],
        Some(2024),
        &[],
    );
    // Near misses: the year of the advisory itself, and a measure in force since the event.
    expect(
        "Results announced",
        "The aftermath of the 2024 election was marked by clashes. It was also accompanied by an \
         internet blackout.",
        &["MR"],
        Some(2024),
        &["internet_shutdown/MR"],
    );
    expect(
        "Results announced",
        "A curfew has been in force in Mauritania since the 2019 election.",
        &["MR"],
        Some(2024),
        &["curfew/MR"],
    );
}

#[test]
fn a_security_digest_item_heading_owns_its_lines() {
    // "Country: Town: headline" opens each item of a security provider's digest; the lines
    // under it are that country's even when a later item names more places.
    let body = "Kenya: Kisumu: Avoid the city centre after unrest on 3 May\n\
                Sat, 03 May 2025 10:00:00 EST\n\
                A curfew is in force from dusk to dawn until further notice.\n\
                Africa: Heavy rains expected in South Africa, Namibia and Botswana\n\
                Sat, 03 May 2025 09:00:00 EST\n\
                Flooding is likely in Gauteng, Johannesburg and Pretoria over the weekend.";
    expect("Current security warnings", body, &[], Some(2025), &["curfew/KE"]);
    // Near miss: a site's label before another country's news is not the news's place.
    expect(
        "",
        "Bulgaria: Egypt Shuts Down Internet\nEgypt cut internet access nationwide on Thursday.",
        &[],
        Some(2011),
        &["internet_shutdown/EG"],
    );
}

#[test]
fn a_place_a_distance_is_measured_from_is_not_the_measures() {
    let cities = |body: &str| -> Vec<String> {
        let mut v: Vec<String> =
            analyze("", body, &[], Some(2024)).affirmed().filter_map(|d| d.city.clone()).collect();
        v.sort();
        v.dedup();
        v
    };
    assert_eq!(
        cities(
            "Police imposed a curfew on the town of Alice Springs, over 1,000 kilometres south of Darwin."
        ),
        ["Alice Springs"]
    );
    assert_eq!(cities("A curfew holds in Latacunga, 90 km south of Quito, since Monday."), ["Latacunga"]);
    assert_eq!(cities("Rige un toque de queda en Latacunga, a 90 km al sur de Quito."), ["Latacunga"]);
    // Near misses: a direction without a distance still names where the measure holds, and a
    // curfew in both towns holds in both.
    assert_eq!(cities("A curfew holds in the south of Quito since Monday."), ["Quito"]);
    assert_eq!(cities("Curfews hold in Latacunga and in Quito since Monday."), ["Latacunga", "Quito"]);
}

#[test]
fn entering_a_district_or_a_building_is_no_entry_ban() {
    expect(
        "",
        "Children under 18 were banned from entering the central business district of Alice Springs at night.",
        &["AU"],
        Some(2024),
        &[],
    );
    expect(
        "",
        "Protesters were prevented from entering the parliament building in Nairobi.",
        &["KE"],
        Some(2024),
        &[],
    );
    // Near misses: the country itself, and a country named right after the verb.
    expect(
        "",
        "Foreign nationals are prohibited from entering the country until further notice, Kenya said.",
        &["KE"],
        Some(2024),
        &["entry_ban/KE"],
    );
    expect("", "Travellers from Brazil are banned from entering Peru.", &[], Some(2021), &["entry_ban/PE"]);
}

#[test]
fn countries_left_unnamed_own_the_measures_they_take() {
    // A government's worldwide advisory says what many countries do; none of it is the
    // issuing country's own measure.
    expect(
        "Worldwide caution",
        "Canadians abroad should return home. Many countries are facing outbreaks and imposing \
         quarantines, closing borders, and barring non-residents from entry at short notice.",
        &["CA"],
        Some(2020),
        &["entry_ban/-"],
    );
    expect(
        "Worldwide caution",
        "Getting back to Canada is harder as countries have closed their borders and barred \
         foreign nationals.",
        &["CA"],
        Some(2020),
        &["entry_ban/-"],
    );
    expect(
        "Worldwide caution",
        "Some Canadians cannot get consular help to leave countries with already closed borders.",
        &["CA"],
        Some(2020),
        &["entry_ban/-"],
    );
    // Near misses: a named country among them, and the subject's own measure.
    expect(
        "",
        "Peru and several other countries closed their borders on Monday.",
        &[],
        Some(2020),
        &["entry_ban/PE"],
    );
    expect(
        "",
        "Canada closed its borders to foreign nationals on Monday.",
        &[],
        Some(2020),
        &["entry_ban/CA"],
    );
}

#[test]
fn a_departure_from_posts_around_the_world_is_no_countrys_evacuation() {
    expect(
        "Worldwide caution",
        "The ministry authorized the departure of Canadian staff and their families from any \
         embassy or consulate in the world.",
        &["CA"],
        Some(2020),
        &["evacuation/-"],
    );
    // Near miss: one country's posts.
    expect(
        "",
        "The ministry authorized the departure of Canadian staff and their families from Lebanon.",
        &[],
        Some(2020),
        &["evacuation/LB"],
    );
}

#[test]
fn an_evacuation_of_government_employees_families_is_a_drawdown() {
    expect(
        "",
        "The ministry authorized the evacuation of family members of Canadian government employees \
         from Jamaica and Haiti.",
        &[],
        Some(2016),
        &["evacuation/HT", "evacuation/JM"],
    );
    // Near miss: a town evacuating its residents and their families is no drawdown.
    expect(
        "",
        "Police ordered the evacuation of residents and their families from three villages near the \
         volcano in Guatemala.",
        &[],
        Some(2016),
        &[],
    );
}

#[test]
fn flights_stopped_from_a_countrys_neighbours_ban_arrivals_from_them() {
    // The country stopping the flights bans arrivals; its neighbours, named as a group and
    // then listed, are where travellers come from, and no airport is closed.
    expect(
        "",
        "On Monday Zambia suspended all flights from its regional neighbours Malawi, Zimbabwe and Botswana.",
        &[],
        Some(2021),
        &["entry_ban/ZM"],
    );
    // Near miss: flights from one named country without the group word.
    expect("", "On Monday Zambia suspended all flights from Malawi.", &[], Some(2021), &["entry_ban/ZM"]);
}

#[test]
fn helping_people_out_of_a_building_is_no_evacuation() {
    // Leaving a building, a campus or a district is not leaving the country.
    expect(
        "",
        "Priests are negotiating to help the injured students leave the premises of the cathedral in León, Nicaragua.",
        &[],
        Some(2018),
        &[],
    );
    expect(
        "",
        "Volunteers worked through the night to help families leave the area of Masaya, Nicaragua, hit by the fighting.",
        &[],
        Some(2018),
        &[],
    );
    // Near miss: foreigners helped out of the country.
    expect(
        "",
        "Ottawa is chartering flights to help Canadians leave Nicaragua after weeks of unrest.",
        &[],
        Some(2018),
        &["evacuation/NI"],
    );
}

#[test]
fn networks_that_are_down_are_cut() {
    expect(
        "",
        "The capital's airport is shut. The internet and most phone lines in Sudan are also down.",
        &[],
        Some(2021),
        &["airport_closure/SD", "internet_shutdown/SD"],
    );
    expect(
        "",
        "Mobile internet in Gabon went down on Saturday night.",
        &[],
        Some(2023),
        &["internet_shutdown/GA"],
    );
    // Near misses: a network back up, and a network that was down years ago.
    expect(
        "",
        "Mobile internet in Gabon is no longer down after the restoration on Monday.",
        &[],
        Some(2023),
        &[],
    );
    expect("", "In 2016 the internet in Gabon was down for four days.", &[], Some(2023), &[]);
}

#[test]
fn a_day_the_text_has_dated_keeps_its_year() {
    // A paragraph that opens on a day and month the text dated earlier in a past year tells
    // of that day, not of the same day this year.
    let body = "On 19 November 2019 soldiers and police in Bolivia broke up a road blockade at a gas \
                plant in El Alto.\n\nDuring the morning of 19 November, the security forces escorted \
                trucks out of the plant. The security forces used live ammunition on demonstrators \
                near the plant.";
    expect("", body, &[], Some(2023), &[]);
    // Near misses: the same text in the year it happened, and a paragraph opening on a day
    // the text never dated.
    expect("", body, &[], Some(2019), &["live_ammunition/BO"]);
    expect(
        "",
        &body.replace("morning of 19 November", "morning of 21 November"),
        &[],
        Some(2023),
        &["live_ammunition/BO"],
    );
}

#[test]
fn a_country_feared_is_the_cause_not_the_place_of_a_ban() {
    // "over … fears": the place inside the fear is where the cause is.
    expect("Laos bars foreign tourists over Thailand flu fears", "", &[], Some(2020), &["entry_ban/LA"]);
    expect(
        "",
        "Laos has banned all tourists from entering the country over fears the Thai flu will spread.",
        &[],
        Some(2020),
        &["entry_ban/LA"],
    );
    expect(
        "",
        "Laos authorities blocked foreign tourists at the border on Monday.",
        &[],
        Some(2020),
        &["entry_ban/LA"],
    );
    // Near misses: "over" that opens no fear, and a ban of the country named after "over".
    expect(
        "",
        "Laos closed its airspace over the weekend.",
        &[],
        Some(2020),
        &["airport_closure/LA", "entry_ban/LA"],
    );
    expect("", "Thailand bars foreign tourists over the weekend.", &[], Some(2020), &["entry_ban/TH"]);
    // A cause of its own between "over" and the fear: the airspace over a place is its own.
    let got = affirmed(
        "",
        "Russia closed the airspace over eastern Ukraine amid fears of missile strikes.",
        &[],
        Some(2022),
    );
    assert!(got.contains(&"airport_closure/UA".to_string()), "{got:?}");
}

#[test]
fn french_lifts_in_the_plural() {
    expect("Mali : les autorités lèvent le couvre-feu", "", &["ML"], Some(2021), &[]);
    expect("", "Les restrictions sur internet ont été levées samedi au Mali.", &["ML"], Some(2021), &[]);
    // Near miss: the same authorities imposing it.
    expect("Mali : les autorités imposent le couvre-feu", "", &["ML"], Some(2021), &["curfew/ML"]);
}

#[test]
fn withdrawals_capped_by_decree_and_limits_raised() {
    expect(
        "",
        "The central bank directed banks in Ghana to pay customers over the counter, subject to a daily payout limit of 50,000 cedis.",
        &[],
        Some(2023),
        &["banking_suspension/GH"],
    );
    expect(
        "",
        "Banks in Ghana started limiting withdrawals to 2,000 cedis.",
        &[],
        Some(2023),
        &["banking_suspension/GH"],
    );
    // Near misses: a limit raised is eased; a closure still holds beside it.
    expect("Ghana: banks increase cash limits and open on Sundays", "", &[], Some(2023), &[]);
    expect(
        "",
        "Ghana's banks are increasing cash withdrawal limits at their counters and ATMs.",
        &[],
        Some(2023),
        &[],
    );
    expect(
        "",
        "Banks in Ghana were closed on Monday by decree.",
        &[],
        Some(2023),
        &["banking_suspension/GH"],
    );
}

#[test]
fn air_borders_closed_close_the_airports_too() {
    expect(
        "",
        "Bolivia anunció el cierre de sus fronteras terrestres, aéreas y fluviales desde el martes.",
        &[],
        Some(2020),
        &["airport_closure/BO", "entry_ban/BO"],
    );
    expect(
        "",
        "En Bolivia queda suspendido el transporte internacional de pasajeros por vía terrestre, aérea y fluvial.",
        &[],
        Some(2020),
        &["airport_closure/BO", "entry_ban/BO"],
    );
    expect(
        "",
        "Bolivia closed its land, air and sea borders on Monday.",
        &[],
        Some(2020),
        &["airport_closure/BO", "entry_ban/BO"],
    );
    // Near misses: land borders alone close no airport; transport resumed is no closure.
    expect("", "Bolivia closed its land and river borders on Monday.", &[], Some(2020), &["entry_ban/BO"]);
    expect(
        "",
        "En Bolivia se reanuda el transporte internacional de pasajeros por vía aérea desde el lunes.",
        &[],
        Some(2020),
        &[],
    );
}

#[test]
fn congo_alone_is_the_congo_the_text_names() {
    // The text names the smaller Congo by a name or a town of its own: a bare "Congo" is it.
    expect(
        "",
        "Le scrutin se tient en République du Congo (Brazzaville). La coupure d'internet a plongé le Congo dans le noir.",
        &[],
        Some(2016),
        &["internet_shutdown/CG"],
    );
    expect(
        "Congo cuts the internet on election day",
        "Voters queued in Brazzaville on Sunday.",
        &[],
        Some(2016),
        &["internet_shutdown/CG"],
    );
    // Near misses: a text naming Kinshasa, and one naming no town, keep the larger Congo.
    expect(
        "Congo cuts the internet on election day",
        "Voters queued in Kinshasa on Sunday.",
        &[],
        Some(2018),
        &["internet_shutdown/CD"],
    );
    expect("Congo cuts the internet on election day", "", &[], Some(2018), &["internet_shutdown/CD"]);
}

#[test]
fn french_telecommunications_cut_and_unavailable() {
    expect(
        "",
        "Au Gabon, toutes les télécommunications seront coupées ce dimanche, jour du scrutin.",
        &[],
        Some(2016),
        &["internet_shutdown/GA"],
    );
    expect(
        "",
        "Mardi au Gabon, les services SMS et web mobile restaient indisponibles.",
        &[],
        Some(2016),
        &["internet_shutdown/GA"],
    );
    expect(
        "",
        "Au Gabon, les téléphones et internet ont été coupés samedi.",
        &[],
        Some(2016),
        &["internet_shutdown/GA"],
    );
    // Near miss: "voies de communication" are roads.
    expect(
        "",
        "Au Gabon, les voies de communication sont coupées par les inondations.",
        &[],
        Some(2016),
        &[],
    );
}

#[test]
fn french_idioms_on_coup_name_no_putsch() {
    let coups = |body: &str| {
        analyze("", body, &[], Some(2016)).affirmed().filter(|d| d.trigger.as_str() == "coup").count()
    };
    assert_eq!(
        coups("Des militants ont été dispersés à coup de grenades lacrymogènes à Libreville, au Gabon."),
        0
    );
    assert_eq!(coups("Des coups de feu ont été entendus à Libreville, au Gabon."), 0);
    // Near misses: the putsch itself, told with "du" before it too.
    assert_eq!(coups("Le coup d'État a eu lieu hier à Libreville, au Gabon."), 1);
    assert_eq!(coups("À la suite du coup d'État, les frontières du Gabon ont été fermées."), 1);
}

#[test]
fn a_nationality_before_a_business_names_its_owner() {
    // The airline's or tour operator's nationality is not where the measure holds.
    expect(
        "",
        "The Dutch airline began evacuating 400 holidaymakers from Tunisia after the president declared a state of emergency.",
        &[],
        Some(2015),
        &["evacuation/TN", "state_of_emergency/TN"],
    );
    // Near miss: the nationality of the authorities that act.
    expect("", "Dutch authorities closed Schiphol airport.", &[], None, &["airport_closure/NL"]);
}

#[test]
fn holidaymakers_flown_home_are_an_evacuation() {
    expect(
        "",
        "A tour operator began evacuating 900 holidaymakers from Gambia on Wednesday.",
        &[],
        Some(2017),
        &["evacuation/GM"],
    );
    expect(
        "",
        "Hundreds of tourists are being flown home from Gambia by a tour operator.",
        &[],
        Some(2017),
        &["evacuation/GM"],
    );
    // Near miss: the dead flown home are no evacuation.
    expect("", "The bodies of the two climbers were flown home from Nepal on Friday.", &[], Some(2017), &[]);
}

#[test]
fn a_common_verb_beside_a_lift_word_ends_no_evacuation() {
    // "getting ready to remove" a president ends nobody's evacuation.
    expect(
        "",
        "A tour operator began evacuating tourists from Gambia on Wednesday. A source said this week the bloc was getting ready to remove Jammeh by force.",
        &[],
        Some(2017),
        &["evacuation/GM"],
    );
}

#[test]
fn a_title_naming_a_measure_the_lede_tells_as_over_takes_the_ledes_status() {
    expect(
        "Rebellion neutralised by martial law: minister",
        "Martial law in Mindanao expired at midnight on 31 December, the defence minister said on Tuesday.",
        &[],
        Some(2019),
        &[],
    );
    expect(
        "Capital controls in Iceland",
        "Capital controls were imposed in Iceland in November 2008, after its three largest banks failed.",
        &[],
        Some(2019),
        &[],
    );
    expect(
        "Iceland to end capital controls",
        "Iceland will lift its capital controls on Tuesday, the finance minister said.",
        &[],
        Some(2017),
        &[],
    );
    // Near misses: a lede that tells it as holding; history told only after the lede; a lift
    // for some hours.
    expect(
        "Capital controls in Iceland",
        "The central bank said on Monday that capital controls remain in place.",
        &[],
        Some(2016),
        &["banking_suspension/IS"],
    );
    expect(
        "Egypt imposes curfew as protests grow",
        "Tens of thousands marched in Cairo on Friday. The last nationwide curfew in Egypt was imposed in 1986.",
        &[],
        Some(2011),
        &["curfew/EG"],
    );
    let a = analyze(
        "Dhaka curfew eased",
        "Authorities in Bangladesh lifted the curfew in Dhaka for six hours on Sunday.",
        &[],
        Some(2024),
    );
    assert!(a.affirmed().any(|d| d.trigger.as_str() == "curfew" && d.section == Section::Title), "{a:?}");
}

#[test]
fn countries_given_as_examples_of_what_elections_bring_are_not_news() {
    expect(
        "",
        "Countries like Uganda, Tanzania, Togo and Mali have faced internet shutdowns during elections.",
        &[],
        Some(2021),
        &[],
    );
    expect(
        "",
        "Des pays comme le Togo, le Bénin et le Mali ont connu des coupures d'internet lors des élections.",
        &[],
        Some(2021),
        &[],
    );
    // Near misses: the same countries acting now, and examples that act rather than undergo.
    expect(
        "",
        "Uganda, Tanzania and Mali shut down the internet on Thursday as polls opened.",
        &[],
        Some(2021),
        &["internet_shutdown/ML", "internet_shutdown/TZ", "internet_shutdown/UG"],
    );
    expect(
        "",
        "Countries such as Kenya and Uganda have banned travellers from Liberia since Monday.",
        &[],
        Some(2014),
        &["entry_ban/KE", "entry_ban/UG"],
    );
}

#[test]
fn a_season_and_a_past_year_date_a_measure() {
    expect(
        "",
        "Capital controls were introduced in Iceland in autumn 2008 after the banks failed.",
        &[],
        Some(2016),
        &[],
    );
    expect("", "Argentina impuso un corralito bancario en el verano de 2001.", &[], Some(2021), &[]);
    // Near miss: this autumn, in the advisory's own year.
    expect(
        "",
        "Capital controls were introduced in Iceland this autumn after the banks failed.",
        &[],
        Some(2008),
        &["banking_suspension/IS"],
    );
}

#[test]
fn a_heading_that_introduces_a_measure_takes_the_sentence_under_it() {
    expect(
        "",
        "Introduction of the capital controls\nThe capital controls were introduced in November 2008, after Iceland's banks collapsed.",
        &[],
        Some(2016),
        &[],
    );
    // Near miss: the sentence under it tells the measure as new.
    expect(
        "",
        "Introduction of the capital controls\nThe capital controls were introduced on 28 November, after Iceland's banks collapsed.",
        &[],
        Some(2008),
        &["banking_suspension/IS"],
    );
}

#[test]
fn the_nationality_of_papers_or_people_kept_out_is_not_the_banning_country() {
    expect(
        "",
        "The Dominican Republic suspended Haitian visas and closed the border on Friday.",
        &[],
        Some(2023),
        &["entry_ban/DO"],
    );
    expect(
        "",
        "República Dominicana suspendió las visas a haitianos y cerró la frontera el viernes.",
        &[],
        Some(2023),
        &["entry_ban/DO"],
    );
    expect(
        "",
        "La République dominicaine a suspendu les visas haïtiens et fermé la frontière vendredi.",
        &[],
        Some(2023),
        &["entry_ban/DO"],
    );
    // Nor is the subject whose own people the sentence keeps out (the ban is left with no
    // country).
    expect(
        "Ultimátum a Haití",
        "La suspensión de visas a haitianos y la prohibición de entrada al país ya están en vigor desde el lunes.",
        &[],
        Some(2023),
        &["entry_ban/-"],
    );
    // Near misses: the nationality of the authorities that close it; the subject's own ban.
    expect("", "Haitian authorities closed the border on Friday.", &[], Some(2023), &["entry_ban/HT"]);
    expect(
        "Ultimátum a Haití",
        "La prohibición de entrada al país ya está en vigor desde el lunes.",
        &[],
        Some(2023),
        &["entry_ban/HT"],
    );
}

#[test]
fn the_consequence_of_an_ultimatum_is_not_in_force() {
    expect(
        "",
        "De no cumplirse esta demanda, República Dominicana ha anunciado el cierre de sus fronteras terrestres.",
        &[],
        Some(2023),
        &[],
    );
    expect(
        "",
        "Haiti must stop the canal; otherwise the Dominican Republic will close its borders.",
        &[],
        Some(2023),
        &[],
    );
    // Near miss: "otherwise" after the measure, in a clause of its own.
    expect(
        "",
        "The Dominican Republic closed its borders on Friday, as Haiti had otherwise ignored the demand.",
        &[],
        Some(2023),
        &["entry_ban/DO"],
    );
}

#[test]
fn a_place_in_an_opening_phrase_of_cause_is_the_causes() {
    expect(
        "",
        "After talks with Haiti failed, the Dominican Republic ordered the closure of the borders.",
        &[],
        Some(2023),
        &["entry_ban/DO"],
    );
    expect(
        "",
        "After Iran attacked a US base in Qatar, Bahrain closed its airspace.",
        &[],
        Some(2025),
        &["airport_closure/BH", "entry_ban/BH"],
    );
    // Near miss: with no other place after the phrase, its place is still where it holds.
    expect(
        "",
        "After protests in Nairobi, a curfew was imposed on Tuesday.",
        &[],
        Some(2023),
        &["curfew/KE"],
    );
}

#[test]
fn a_measure_feared_is_not_in_force() {
    expect("Benin: fears of an internet shutdown", "Voting takes place on Sunday.", &[], Some(2021), &[]);
    expect("Bénin", "Certains redoutent une coupure d'internet dimanche.", &[], Some(2021), &[]);
    expect("Bolivia", "Crece el temor a un toque de queda en La Paz.", &[], Some(2021), &[]);
    // Near misses: a fear of something else before the measure, and a measure that was feared
    // and came.
    expect(
        "",
        "Fearing more unrest, the government imposed a curfew in Cotonou on Sunday.",
        &[],
        Some(2021),
        &["curfew/BJ"],
    );
    expect("", "Amid fears of unrest, Benin imposed a curfew on Sunday.", &[], Some(2021), &["curfew/BJ"]);
    expect(
        "",
        "The curfew that residents feared was imposed in Cotonou on Sunday.",
        &[],
        Some(2021),
        &["curfew/BJ"],
    );
}

#[test]
fn plural_french_and_spanish_restorations_end_a_cut() {
    let a =
        analyze("Bénin : les connexions internet rétablies", "Le vote a eu lieu dimanche.", &[], Some(2019));
    assert!(a.affirmed().any(|d| d.trigger.as_str() == "internet_restored"), "{a:?}");
    assert!(a.affirmed().all(|d| d.trigger.as_str() != "internet_shutdown"), "{a:?}");
    let a = analyze(
        "Venezuela: restablecidos los servicios de internet",
        "La votación tuvo lugar el domingo.",
        &[],
        Some(2019),
    );
    assert!(a.affirmed().any(|d| d.trigger.as_str() == "internet_restored"), "{a:?}");
    // Near miss: still cut.
    expect(
        "Bénin : les connexions internet coupées",
        "Le vote a eu lieu dimanche.",
        &[],
        Some(2019),
        &["internet_shutdown/BJ"],
    );
}

#[test]
fn a_currency_named_after_a_country_is_money() {
    expect(
        "Central Bank of Afghanistan limits withdrawals to 200 US dollars per week",
        "",
        &[],
        Some(2021),
        &["banking_suspension/AF"],
    );
    // Near miss: the country itself, named as where, beside its currency.
    expect(
        "",
        "Banks in the US limited withdrawals to 500 US dollars a day.",
        &[],
        Some(2021),
        &["banking_suspension/US"],
    );
}

#[test]
fn limiting_the_withdrawals_caps_them() {
    expect(
        "Afghanistan",
        "The central bank ordered the banks to limit the withdrawals to $200 per week for each customer.",
        &[],
        Some(2021),
        &["banking_suspension/AF"],
    );
    // Near misses: a limit that may come, and one raised.
    expect(
        "Papua New Guinea",
        "Banks may limit cash withdrawals around public holidays.",
        &[],
        Some(2021),
        &[],
    );
    expect(
        "Afghanistan",
        "The central bank raised the withdrawal limits on Wednesday.",
        &[],
        Some(2021),
        &[],
    );
}

#[test]
fn a_measure_reversed_or_overturned_has_ended() {
    let ended = |body: &str| {
        let a = analyze("Nepal", body, &[], Some(2025));
        a.affirmed().any(|d| d.trigger.as_str() == "internet_restored")
            && a.affirmed().all(|d| d.trigger.as_str() != "internet_shutdown")
    };
    assert!(ended("The government meanwhile reversed its controversial move to block social media apps."));
    assert!(ended("The court overturned the ban on social media on Tuesday."));
    // Near miss: a reversal of something else ends nothing.
    assert!(!ended("Police reversed their trucks as the social media ban stayed in force."));
}

#[test]
fn an_order_to_shoot_at_protesters_to_kill_is_live_fire() {
    expect(
        "Kazakhstan",
        "On January 7, the president ordered the security forces to shoot at protesters to kill without warning.",
        &[],
        Some(2022),
        &["live_ammunition/KZ"],
    );
    // Near misses: a threat, and a gunman's shooting.
    expect(
        "Kazakhstan",
        "The president threatened to shoot at protesters to kill if the riots continued.",
        &[],
        Some(2022),
        &[],
    );
    expect(
        "Kazakhstan",
        "The gunman was shooting at random to kill as many people as possible.",
        &[],
        Some(2022),
        &[],
    );
}
