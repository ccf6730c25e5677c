//! The triage labels: the language of a complaint and the specialist who should see the
//! patient. Apart from `corpus` so that running a shipped model (the page, `route`) does
//! not depend on the generator of its training data.

/// Language of a complaint.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Lang {
    /// English, `en`.
    En,
    /// Brazilian Portuguese, `pt-BR`.
    PtBr,
}

impl Lang {
    /// Every language, English first.
    pub const ALL: [Lang; 2] = [Lang::En, Lang::PtBr];

    /// BCP 47 code: `"en"` or `"pt-BR"`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::PtBr => "pt-BR",
        }
    }
}

/// The specialist who should see the patient (the label).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Specialty {
    /// Heart and circulation.
    Cardiology,
    /// Brain and nerves.
    Neurology,
    /// Any complaint about a child under 12.
    Pediatrics,
    /// Skin, hair and nails.
    Dermatology,
}

impl Specialty {
    /// Every specialty, in `index` order.
    pub const ALL: [Specialty; 4] =
        [Specialty::Cardiology, Specialty::Neurology, Specialty::Pediatrics, Specialty::Dermatology];

    /// Lower-case English name: `"cardiology"`, `"neurology"`, `"pediatrics"`,
    /// `"dermatology"`.
    pub fn name(self) -> &'static str {
        match self {
            Specialty::Cardiology => "cardiology",
            Specialty::Neurology => "neurology",
            Specialty::Pediatrics => "pediatrics",
            Specialty::Dermatology => "dermatology",
        }
    }

    /// Position in [`Specialty::ALL`].
    pub fn index(self) -> usize {
        match self {
            Specialty::Cardiology => 0,
            Specialty::Neurology => 1,
            Specialty::Pediatrics => 2,
            Specialty::Dermatology => 3,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_codes() {
        assert_eq!(Lang::ALL.map(Lang::code), ["en", "pt-BR"]);
        for (i, s) in Specialty::ALL.iter().enumerate() {
            assert_eq!(s.index(), i);
        }
        let names: Vec<&str> = Specialty::ALL.iter().map(|s| s.name()).collect();
        assert_eq!(names, ["cardiology", "neurology", "pediatrics", "dermatology"]);
    }
}
