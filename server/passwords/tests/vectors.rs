//! Checks verification against stored values produced by real tools
//! (OpenLDAP's `slappasswd`, the reference `argon2` CLI, Python's
//! `hashlib`/`crypt`, `openssl passwd`), plus error handling and upgrades.
//!
//! Tool versions used to generate the vectors: slappasswd from Debian slapd
//! 2.5.13+dfsg-5 (with the `pw-sha2` and `argon2` modules), argon2 CLI from
//! Debian argon2 0~20171227-0.3+deb12u1, Python 3.11.7, OpenSSL 3.0.19.

use orgdir_passwords::{Argon2Params, Error, Hasher, Scheme, Verification, scheme_of};

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// Parameters small enough to keep the tests fast.
const SMALL: Argon2Params = Argon2Params {
    m_cost_kib: 64,
    t_cost: 1,
    p_cost: 1,
};

/// Salt used with the argon2 CLI (`argon2 0123456789abcdef …`).
const CLI_SALT: &[u8; 16] = b"0123456789abcdef";

fn small_hasher() -> Result<Hasher, Error> {
    Hasher::new(SMALL)
}

/// (stored value, password, expected matched, expected needs_upgrade),
/// verified by a hasher with [`SMALL`] parameters.
const CASES: &[(&str, &str, bool, bool)] = &[
    // --- argon2 CLI: `printf '%s' secret | argon2 0123456789abcdef -id -k 64 -t 1 -p 1 -e`
    (
        "{ARGON2}$argon2id$v=19$m=64,t=1,p=1$MDEyMzQ1Njc4OWFiY2RlZg$pbviq+1UUgwZCmLIr4Hgk7mEMsxnRLuOb2HfvIaBwGY",
        "secret",
        true,
        false,
    ),
    (
        "{ARGON2}$argon2id$v=19$m=64,t=1,p=1$MDEyMzQ1Njc4OWFiY2RlZg$pbviq+1UUgwZCmLIr4Hgk7mEMsxnRLuOb2HfvIaBwGY",
        "Secret",
        false,
        false,
    ),
    // Same value, tag in lower case (OpenLDAP tags are case-insensitive).
    (
        "{argon2}$argon2id$v=19$m=64,t=1,p=1$MDEyMzQ1Njc4OWFiY2RlZg$pbviq+1UUgwZCmLIr4Hgk7mEMsxnRLuOb2HfvIaBwGY",
        "secret",
        true,
        false,
    ),
    // Bare PHC string: `printf '%s' 'pässwörd 123' | argon2 saltysaltysalty! -id -k 64 -t 1 -p 1 -e`
    (
        "$argon2id$v=19$m=64,t=1,p=1$c2FsdHlzYWx0eXNhbHR5IQ$hOwYurjHq8KpZAyTN9WoZKYG/OgOeGxWnfrfy0J/MDk",
        "pässwörd 123",
        true,
        false,
    ),
    (
        "$argon2id$v=19$m=64,t=1,p=1$c2FsdHlzYWx0eXNhbHR5IQ$hOwYurjHq8KpZAyTN9WoZKYG/OgOeGxWnfrfy0J/MDk",
        "passwörd 123",
        false,
        false,
    ),
    // argon2 CLI, password "secret", salt "saltysaltysalty!", differing from
    // SMALL in one respect each: -d, -k 128, -t 2, -p 2, -l 16, -v 10.
    (
        "{ARGON2}$argon2d$v=19$m=64,t=1,p=1$c2FsdHlzYWx0eXNhbHR5IQ$CJyJvO1f05+Y2q5tjnt71hT5AX+Emr5kpJvYU+l83LA",
        "secret",
        true,
        true,
    ),
    (
        "{ARGON2}$argon2id$v=19$m=128,t=1,p=1$c2FsdHlzYWx0eXNhbHR5IQ$AlsdL+GDsCOpQfcDzi0ZGK7+MMu1vDRAI6MYolpUwBg",
        "secret",
        true,
        true,
    ),
    (
        "{ARGON2}$argon2id$v=19$m=64,t=2,p=1$c2FsdHlzYWx0eXNhbHR5IQ$Gpt06Xq1tXK2IRIOlvJ5LKqa1cqtAKjywo0msTgFrpk",
        "secret",
        true,
        true,
    ),
    (
        "{ARGON2}$argon2id$v=19$m=64,t=1,p=2$c2FsdHlzYWx0eXNhbHR5IQ$UXbN6ZJ9tLGqUPvxjBMSYemy+l2HMO7Ys5wdRbh7OSc",
        "secret",
        true,
        true,
    ),
    (
        "{ARGON2}$argon2id$v=19$m=64,t=1,p=1$c2FsdHlzYWx0eXNhbHR5IQ$xN+CNrb6pLUg+LgYJ6BuqA",
        "secret",
        true,
        true,
    ),
    (
        "{ARGON2}$argon2id$v=16$m=64,t=1,p=1$c2FsdHlzYWx0eXNhbHR5IQ$RsSmX90PJt4ChSPeE3IDD3PGjX42Fx9HWDENl+iob/g",
        "secret",
        true,
        true,
    ),
    (
        "{ARGON2}$argon2id$v=16$m=64,t=1,p=1$c2FsdHlzYWx0eXNhbHR5IQ$RsSmX90PJt4ChSPeE3IDD3PGjX42Fx9HWDENl+iob/g",
        "secreT",
        false,
        false,
    ),
    // --- slappasswd -o module-load=argon2 -h {ARGON2} -s secret (module defaults: argon2i)
    (
        "{ARGON2}$argon2i$v=19$m=4096,t=3,p=1$fwVlr7UC6jB3hKnlb8XcSw$xRWyEvimLvdiCRGlNVCL3fmLff8VpQ0GhPqYdEoWAmE",
        "secret",
        true,
        true,
    ),
    // slappasswd -o module-load="argon2 m=64 t=1 p=1" -h {ARGON2} -s …
    (
        "{ARGON2}$argon2i$v=19$m=64,t=1,p=1$cCxEtItw8/VJFBcu0/v5bQ$STTnBP/nHpOlmz6Rs+s1cmALv47dT9859a/MRxd0fkE",
        "secret",
        true,
        true,
    ),
    (
        "{ARGON2}$argon2i$v=19$m=64,t=1,p=1$cCxEtItw8/VJFBcu0/v5bQ$STTnBP/nHpOlmz6Rs+s1cmALv47dT9859a/MRxd0fkE",
        "wrong",
        false,
        false,
    ),
    (
        "{ARGON2}$argon2i$v=19$m=64,t=1,p=1$TrAuRYFcw1JUekSBnaIcqA$zgwCqlINpdyMGfyRweW3vpeU4ilix7qyxJ/ZwBPQbxU",
        "pässwörd 123",
        true,
        true,
    ),
    // --- slappasswd -h {SSHA|SHA|SMD5|MD5} -s secret
    (
        "{SSHA}TRhnOv8fSLYOr+nAN9JocNQ+7gdM5bjR",
        "secret",
        true,
        true,
    ),
    (
        "{SSHA}TRhnOv8fSLYOr+nAN9JocNQ+7gdM5bjR",
        "secret ",
        false,
        false,
    ),
    (
        "{ssha}TRhnOv8fSLYOr+nAN9JocNQ+7gdM5bjR",
        "secret",
        true,
        true,
    ),
    ("{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ=", "secret", true, true),
    ("{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ=", "Secret", false, false),
    ("{SMD5}9H3sU8N3zt2L/UD4Zdy3VMCshlI=", "secret", true, true),
    (
        "{SMD5}9H3sU8N3zt2L/UD4Zdy3VMCshlI=",
        "secreta",
        false,
        false,
    ),
    ("{MD5}Xr4ilOzQ4PCOq3aQ0qbuaQ==", "secret", true, true),
    ("{Md5}Xr4ilOzQ4PCOq3aQ0qbuaQ==", "secret", true, true),
    ("{MD5}Xr4ilOzQ4PCOq3aQ0qbuaQ==", "", false, false),
    // slappasswd -h {SMD5} -s 'pässwörd 123'
    (
        "{SMD5}l1ydbAsPhCnv4r0tijvo4rbcpH4=",
        "pässwörd 123",
        true,
        true,
    ),
    // --- slappasswd -o module-load=pw-sha2 -h {SSHA256|SSHA512|SHA256|SHA512} -s 'pässwörd 123'
    (
        "{SSHA256}zbdZHwaFjmepUxx4P6bsnGgYK3E2TVtM0a2XOCoUMHBE2Xl84WEduA==",
        "pässwörd 123",
        true,
        true,
    ),
    (
        "{SSHA256}zbdZHwaFjmepUxx4P6bsnGgYK3E2TVtM0a2XOCoUMHBE2Xl84WEduA==",
        "pässwörd 12",
        false,
        false,
    ),
    (
        "{SSHA512}tJ5s1hJp8Z0HMJ9cRYtn7o7viKcKR2yVlQzbdEytRkAcx8mqfgnR7azu+yJLq7jQc+J/tgCng3rfayGOsI5Cyxb4B2JesSwD",
        "pässwörd 123",
        true,
        true,
    ),
    (
        "{SHA256}Pyc5B1E+2rx4ugua1ivC6x4W/5ew1cHU0SQsp3loimU=",
        "pässwörd 123",
        true,
        true,
    ),
    (
        "{SHA512}eGn2KgEOhnZK4ri7jv1Vr3toqRTUXS6psBjZC/Q/9YO+AhmjitqFFP9PRy5l5wBRBvP5qQG6p97b0FbxQpDZJA==",
        "pässwörd 123",
        true,
        true,
    ),
    (
        "{SHA512}eGn2KgEOhnZK4ri7jv1Vr3toqRTUXS6psBjZC/Q/9YO+AhmjitqFFP9PRy5l5wBRBvP5qQG6p97b0FbxQpDZJA==",
        "passwörd 123",
        false,
        false,
    ),
    // --- Python hashlib, base64(digest(pw ‖ salt) ‖ salt) with unusual salt lengths
    ("{SSHA}pIxNBWXOf41yStgIRWmPk/shD1QB", "secret", true, true), // 1-byte salt
    (
        "{SSHA}Rw55cTbQ1W3yh4Pd6WMC6jqOGKwAAQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHw==",
        "secret",
        true,
        true,
    ), // 32-byte salt
    (
        "{SSHA256}oBmrdHcA6OZEkkCLeXh71YAerbvhXz1qqwjrPsXmEtNzYWx0c2FsdA==",
        "secret",
        true,
        true,
    ),
    (
        "{SSHA512}aCu7JRc+kLsuEmFs1zTY+AiP7DSGnjjG+dH28Dp+E5usqoAixeTPihKqZmkWal4mUfp63tqvCAkFV1LKTDFH6XNhbHRzYWx0",
        "secret",
        true,
        true,
    ),
    ("{SMD5}mc0uWpXVVe5747A4pKhGJXNhbHQ=", "secret", true, true), // 4-byte salt
    ("{SHA}2jmj7l5rSw0yVb/vlWAYkK/YBwk=", "", true, true),        // empty password
    // Same as slappasswd's {SHA} above with the '=' padding removed.
    ("{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ", "secret", true, true),
    // --- slappasswd -h {CRYPT} -c '$6$%.16s' / '$5$%.16s' / '$1$%.8s' / '%.2s' -s secret
    (
        "{CRYPT}$6$xfcyuCzV1H6qLcey$/.5dzp1qTjtzcIOviv1mRksGUj7xXZns3H8eXBkP0qXisuGpf0k1ur31rc8RaY8rnfF1dROKb.wpTPgS9ubB1.",
        "secret",
        true,
        true,
    ),
    (
        "{CRYPT}$6$xfcyuCzV1H6qLcey$/.5dzp1qTjtzcIOviv1mRksGUj7xXZns3H8eXBkP0qXisuGpf0k1ur31rc8RaY8rnfF1dROKb.wpTPgS9ubB1.",
        "secret1",
        false,
        false,
    ),
    (
        "{CRYPT}$5$i19EjjcsMzOb/qDG$Vsncn9DYbqx9UfQ2OyOtzdHCQIMbHk2rGdBo8M2UMX5",
        "secret",
        true,
        true,
    ),
    (
        "{crypt}$1$enYyxsrN$Licqabs8RA6.lfhihwzn51",
        "secret",
        true,
        true,
    ),
    ("{CRYPT}x9oJ3dQ9YWTX.", "secret", true, true),
    ("{CRYPT}x9oJ3dQ9YWTX.", "secreT", false, false),
    // --- Python crypt (libxcrypt): crypt.crypt("secret", …)
    ("{CRYPT}abNANd1rDfiNc", "secret", true, true), // DES, salt "ab"
    (
        "{CRYPT}$6$rounds=5000$saltsaltsalt$PMWE8DTlam1JU37Piyk43bHcMxTJq6sgu5DKB0/tGPjanN35jcY68QkpDfPFUGPWX5uCxIQkSPzMmqEiVNgts.",
        "secret",
        true,
        true,
    ),
    (
        "{CRYPT}$5$rounds=1000$saltsaltsalt$jeQ3Wbe2JixnvtlZtYweZUFjfxf4JtmzGAyxAW53.M2",
        "secret",
        true,
        true,
    ),
    (
        "{CRYPT}$2b$04$xFdP/XeiUDSqe7ozeK2Rq.QGzLnujJkobW3VJTLh8oH1e/6koNpmu",
        "secret",
        true,
        true,
    ),
    (
        "{CRYPT}$2b$04$xFdP/XeiUDSqe7ozeK2Rq.QGzLnujJkobW3VJTLh8oH1e/6koNpmu",
        "secrets",
        false,
        false,
    ),
    (
        "{CRYPT}$2b$04$ce55feeCJR0.7kbi1xMF2uZH9ooPKVcmDBxGFwycSnVXlCfklmgFG",
        "pässwörd 123",
        true,
        true,
    ),
    (
        "{CRYPT}$2y$04$abcdefghijklmnopqrstuu2r9OfJnfCsdneAXAGHnS4UpFFP8WIrW",
        "secret",
        true,
        true,
    ),
    (
        "{CRYPT}$2a$05$ABCDEFGHIJKLMNOPQRSTUu6etqWyiSjMSF4tl3grqWcjDUkRhrNJe",
        "secret",
        true,
        true,
    ),
    // --- openssl passwd -1/-5/-6 -salt openssl secret
    (
        "{CRYPT}$1$openssl$WADKixAsEAmO6GNrWEvsG/",
        "secret",
        true,
        true,
    ),
    (
        "{CRYPT}$5$openssl$E2g9TyCzRwtLcgL4OGz6k5dv2HhdS3rRmxXf0RpcxJ0",
        "secret",
        true,
        true,
    ),
    (
        "{CRYPT}$6$openssl$IVBPCMqocSRqcy0eMGtnQTqlstbfvXUADP.FQdAczAe4IX4lc.yoXJxrMLM7wCKCKbm101nZMhvtQ552/bfxW0",
        "secret",
        true,
        true,
    ),
    // openssl passwd -6 -salt openssl 'pässwörd 123'
    (
        "{CRYPT}$6$openssl$FSNjzDPy0Ufe4lEzW/wWMObWwFsNFdQsK3Y4ju9XLBW3muOH.KEDH7DuxO5/Avya.eDFaOHuw9mSC9gyzZIDg1",
        "pässwörd 123",
        true,
        true,
    ),
    // --- cleartext: slappasswd -h {CLEARTEXT} -s secret prints "secret"
    ("secret", "secret", true, true),
    ("secret", "secre", false, false),
    ("secret", "secret\0", false, false),
    ("{CLEARTEXT}secret", "secret", true, true),
    ("{cleartext}secret", "{cleartext}secret", false, false),
    // Brace-prefixed values that are not scheme tags are cleartext.
    ("{not a tag}pw", "{not a tag}pw", true, true),
    ("{}", "{}", true, true),
    ("{unterminated", "{unterminated", true, true),
    ("$6$not-a-tag", "$6$not-a-tag", true, true),
];

#[test]
fn verifies_tool_generated_vectors() -> TestResult {
    let hasher = small_hasher()?;
    let mut failures = Vec::new();
    for &(stored, password, matched, needs_upgrade) in CASES {
        let expected = Verification {
            matched,
            needs_upgrade,
        };
        match hasher.verify(stored, password) {
            Ok(got) if got == expected => {}
            other => failures.push(format!(
                "{stored:?} / {password:?}: expected {expected:?}, got {other:?}"
            )),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    Ok(())
}

#[test]
fn hash_matches_reference_argon2_cli() -> TestResult {
    // printf '%s' secret | argon2 0123456789abcdef -id -k 64 -t 1 -p 1 -e
    let stored = small_hasher()?.hash("secret", CLI_SALT)?;
    assert_eq!(
        stored,
        "{ARGON2}$argon2id$v=19$m=64,t=1,p=1$MDEyMzQ1Njc4OWFiY2RlZg$pbviq+1UUgwZCmLIr4Hgk7mEMsxnRLuOb2HfvIaBwGY"
    );
    Ok(())
}

#[test]
fn default_params_are_owasp_and_match_reference_cli() -> TestResult {
    let params = Argon2Params::default();
    assert_eq!(
        params,
        Argon2Params {
            m_cost_kib: 19_456,
            t_cost: 2,
            p_cost: 1
        }
    );
    let hasher = Hasher::new(params)?;
    // printf '%s' secret | argon2 0123456789abcdef -id -k 19456 -t 2 -p 1 -e
    let expected = "{ARGON2}$argon2id$v=19$m=19456,t=2,p=1$MDEyMzQ1Njc4OWFiY2RlZg$8qPpaWig0H31wvibKAgpght2Ry2M8rtRQYtZ93ooMus";
    assert_eq!(hasher.hash("secret", CLI_SALT)?, expected);
    let ok = hasher.verify(expected, "secret")?;
    assert_eq!(
        ok,
        Verification {
            matched: true,
            needs_upgrade: false
        }
    );
    Ok(())
}

#[test]
fn round_trip_and_upgrade_on_params_change() -> TestResult {
    let old = small_hasher()?;
    let new = Hasher::new(Argon2Params {
        m_cost_kib: 128,
        t_cost: 2,
        p_cost: 1,
    })?;
    let stored = old.hash("hunter2", &[0xA5; 16])?;
    assert_eq!(scheme_of(&stored)?, Scheme::Argon2);

    let same = old.verify(&stored, "hunter2")?;
    assert_eq!((same.matched, same.needs_upgrade), (true, false));

    let changed = new.verify(&stored, "hunter2")?;
    assert_eq!((changed.matched, changed.needs_upgrade), (true, true));

    // A wrong password never asks for an upgrade.
    let wrong = new.verify(&stored, "hunter3")?;
    assert_eq!((wrong.matched, wrong.needs_upgrade), (false, false));

    // The upgraded value verifies without further upgrade.
    let upgraded = new.hash("hunter2", &[0x5A; 16])?;
    let after = new.verify(&upgraded, "hunter2")?;
    assert_eq!((after.matched, after.needs_upgrade), (true, false));
    Ok(())
}

#[test]
fn password_may_be_bytes() -> TestResult {
    let hasher = small_hasher()?;
    let stored = hasher.hash(b"\xff\xfe not utf-8", &[1; 16])?;
    assert!(
        hasher
            .verify(&stored, b"\xff\xfe not utf-8".as_slice())?
            .matched
    );
    assert!(!hasher.verify(&stored, "not utf-8")?.matched);
    Ok(())
}

#[test]
fn scheme_of_recognises_tags() -> TestResult {
    let cases: &[(&str, Scheme)] = &[
        ("{ARGON2}$argon2id$…", Scheme::Argon2),
        ("$argon2id$v=19$…", Scheme::Argon2),
        ("$argon2i$v=19$…", Scheme::Argon2),
        ("$argon2d$v=19$…", Scheme::Argon2),
        ("{SSHA}x", Scheme::Ssha),
        ("{ssha256}x", Scheme::Ssha256),
        ("{SSHA512}x", Scheme::Ssha512),
        ("{Sha}x", Scheme::Sha),
        ("{SHA256}x", Scheme::Sha256),
        ("{SHA512}x", Scheme::Sha512),
        ("{SMD5}x", Scheme::Smd5),
        ("{MD5}x", Scheme::Md5),
        ("{CRYPT}x", Scheme::Crypt),
        ("{CLEARTEXT}x", Scheme::Cleartext),
        ("plain", Scheme::Cleartext),
        ("", Scheme::Cleartext),
        ("$argon2x$", Scheme::Cleartext),
        ("{with space}x", Scheme::Cleartext),
    ];
    for &(stored, scheme) in cases {
        assert_eq!(scheme_of(stored)?, scheme, "{stored:?}");
    }
    for scheme in Scheme::ALL {
        assert_eq!(scheme_of(&format!("{scheme}x"))?, scheme);
    }
    assert_eq!(
        scheme_of("{PBKDF2-SHA512}10000$abc$def"),
        Err(Error::UnknownScheme("PBKDF2-SHA512".to_owned()))
    );
    Ok(())
}

fn malformed(scheme: Scheme, reason: &'static str) -> Error {
    Error::Malformed { scheme, reason }
}

fn too_costly(scheme: Scheme, reason: &'static str) -> Error {
    Error::CostTooHigh { scheme, reason }
}

#[test]
fn malformed_values_are_errors() -> TestResult {
    use Scheme::{Argon2, Crypt, Md5, Sha, Sha512, Smd5, Ssha, Ssha256};
    let cases: Vec<(&str, Error)> = vec![
        ("{SASL}user@REALM", Error::UnknownScheme("SASL".to_owned())),
        ("{k5key}x", Error::UnknownScheme("k5key".to_owned())),
        ("{SSHA}not base64!", malformed(Ssha, "invalid base64")),
        ("{SSHA}", malformed(Ssha, "shorter than the digest")),
        // 19 bytes: one short of a SHA-1 digest.
        (
            "{SSHA}AAAAAAAAAAAAAAAAAAAAAAAAAA==",
            malformed(Ssha, "shorter than the digest"),
        ),
        // Exactly a SHA-1 digest, no salt: slappasswd's {SHA} of "secret".
        (
            "{SSHA}5en6G6MezRroT3XKqkdPOmY/BfQ=",
            malformed(Ssha, "missing salt"),
        ),
        (
            "{SSHA256}5en6G6MezRroT3XKqkdPOmY/BfQ=",
            malformed(Ssha256, "shorter than the digest"),
        ),
        (
            "{SMD5}Xr4ilOzQ4PCOq3aQ0qbuaQ==",
            malformed(Smd5, "missing salt"),
        ),
        // slappasswd's {SSHA} value under {SHA}: 24 bytes, not 20.
        (
            "{SHA}TRhnOv8fSLYOr+nAN9JocNQ+7gdM5bjR",
            malformed(Sha, "wrong digest length"),
        ),
        ("{SHA512}", malformed(Sha512, "wrong digest length")),
        (
            "{MD5}Xr4i\nlOzQ4PCOq3aQ0qbuaQ==",
            malformed(Md5, "invalid base64"),
        ),
        ("{ARGON2}", malformed(Argon2, "not a valid PHC string")),
        (
            "{ARGON2}secret",
            malformed(Argon2, "not a valid PHC string"),
        ),
        (
            "{ARGON2}$scrypt$ln=4,r=8,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo",
            malformed(Argon2, "not an argon2 algorithm"),
        ),
        (
            "{ARGON2}$argon2id$v=18$m=64,t=1,p=1$c2FsdHlzYWx0eXNhbHR5IQ$hOwYurjHq8KpZAyTN9WoZKYG/OgOeGxWnfrfy0J/MDk",
            malformed(Argon2, "unsupported argon2 version"),
        ),
        (
            "{ARGON2}$argon2id$v=19$m=64,t=0,p=1$c2FsdHlzYWx0eXNhbHR5IQ$hOwYurjHq8KpZAyTN9WoZKYG/OgOeGxWnfrfy0J/MDk",
            malformed(Argon2, "invalid argon2 parameters"),
        ),
        (
            "{ARGON2}$argon2id$v=19$m=64,t=1,p=1,x=2$c2FsdHlzYWx0eXNhbHR5IQ$hOwYurjHq8KpZAyTN9WoZKYG/OgOeGxWnfrfy0J/MDk",
            malformed(Argon2, "invalid argon2 parameters"),
        ),
        (
            "{ARGON2}$argon2id$v=19$m=64,t=1,p=1",
            malformed(Argon2, "missing salt"),
        ),
        (
            "{ARGON2}$argon2id$v=19$m=64,t=1,p=1$c2FsdHlzYWx0eXNhbHR5IQ",
            malformed(Argon2, "missing hash"),
        ),
        // 4-byte salt "salt": below argon2's minimum of 8.
        (
            "{ARGON2}$argon2id$v=19$m=64,t=1,p=1$c2FsdA$hOwYurjHq8KpZAyTN9WoZKYG/OgOeGxWnfrfy0J/MDk",
            malformed(Argon2, "parameters or salt rejected by argon2"),
        ),
        (
            "{ARGON2}$argon2id$v=19$m=4194304,t=1,p=1$c2FsdHlzYWx0eXNhbHR5IQ$hOwYurjHq8KpZAyTN9WoZKYG/OgOeGxWnfrfy0J/MDk",
            too_costly(Argon2, "argon2 m, t or p above the configured maximum"),
        ),
        (
            "{ARGON2}$argon2id$v=19$m=64,t=1000,p=1$c2FsdHlzYWx0eXNhbHR5IQ$hOwYurjHq8KpZAyTN9WoZKYG/OgOeGxWnfrfy0J/MDk",
            too_costly(Argon2, "argon2 m, t or p above the configured maximum"),
        ),
        (
            "{CRYPT}",
            malformed(Crypt, "not a supported crypt(3) format"),
        ),
        (
            "{CRYPT}x9oJ3dQ9YWTX",
            malformed(Crypt, "not a supported crypt(3) format"),
        ),
        (
            "{CRYPT}x9oJ3dQ9YWTX.\u{80}",
            malformed(Crypt, "invalid character"),
        ),
        (
            "{CRYPT}x\u{1}oJ3dQ9YWTX.",
            malformed(Crypt, "invalid character"),
        ),
        (
            "{CRYPT}$y$j9T$F5Jx5fExrKuPp53xLKQ..1$X3DX6M94c7o.9agCG9G317fhZg9SqC.5i5rd.RhAtQ7",
            malformed(Crypt, "unsupported crypt(3) algorithm"),
        ),
        (
            "{CRYPT}$1$enYyxsrN",
            malformed(Crypt, "md5-crypt without hash"),
        ),
        (
            "{CRYPT}$1$$Licqabs8RA6.lfhihwzn51",
            malformed(Crypt, "invalid salt"),
        ),
        (
            "{CRYPT}$1$enYyxsrN$Licqabs8RA6.lfhihwzn5",
            malformed(Crypt, "invalid hash length"),
        ),
        (
            "{CRYPT}$6$rounds=99999999$saltsaltsalt$PMWE8DTlam1JU37Piyk43bHcMxTJq6sgu5DKB0/tGPjanN35jcY68QkpDfPFUGPWX5uCxIQkSPzMmqEiVNgts.",
            too_costly(Crypt, "sha-crypt rounds above the maximum"),
        ),
        (
            "{CRYPT}$6$rounds=lots$saltsaltsalt$PMWE8DTlam1JU37Piyk43bHcMxTJq6sgu5DKB0/tGPjanN35jcY68QkpDfPFUGPWX5uCxIQkSPzMmqEiVNgts.",
            malformed(Crypt, "sha-crypt rounds is not a number"),
        ),
        (
            "{CRYPT}$2b$31$xFdP/XeiUDSqe7ozeK2Rq.QGzLnujJkobW3VJTLh8oH1e/6koNpmu",
            too_costly(Crypt, "bcrypt cost above the maximum"),
        ),
        (
            "{CRYPT}$2b$4$xFdP/XeiUDSqe7ozeK2Rq.QGzLnujJkobW3VJTLh8oH1e/6koNpmu",
            malformed(Crypt, "bcrypt cost is not two digits"),
        ),
        (
            "{CRYPT}$2b$04$xFdP/XeiUDSqe7ozeK2Rq.QGzLnujJkobW3VJTLh8oH1e/6koNpm",
            malformed(Crypt, "bcrypt salt and hash must be 53 characters"),
        ),
        // bcrypt cost below its minimum of 4.
        (
            "{CRYPT}$2b$03$xFdP/XeiUDSqe7ozeK2Rq.QGzLnujJkobW3VJTLh8oH1e/6koNpmu",
            malformed(Crypt, "rejected by the crypt(3) implementation"),
        ),
    ];
    let hasher = small_hasher()?;
    let mut failures = Vec::new();
    for (stored, expected) in cases {
        let got = hasher.verify(stored, "secret");
        if got.as_ref() != Err(&expected) {
            failures.push(format!("{stored:?}: expected {expected:?}, got {got:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    Ok(())
}

/// Truncated and corrupted versions of every vector must give an error or a
/// mismatch, never a panic and never a match.
#[test]
fn damaged_values_never_panic_or_match() -> TestResult {
    let hasher = small_hasher()?;
    for &(stored, password, matched, _) in CASES {
        if !matched || scheme_of(stored)? == Scheme::Cleartext {
            continue;
        }
        let cuts = stored.char_indices().map(|(i, _)| i).skip(1);
        for cut in cuts {
            let (Some(prefix), Some(cut_off)) = (stored.get(..cut), stored.get(cut..)) else {
                continue;
            };
            if cut_off.bytes().all(|b| b == b'=') {
                continue; // base64 padding is optional
            }
            if let Ok(v) = hasher.verify(prefix, password) {
                // A prefix can only "match" if it degenerated to cleartext.
                assert!(
                    !v.matched || scheme_of(prefix)? == Scheme::Cleartext,
                    "{prefix:?} matched"
                );
            }
        }
        for replacement in ['A', '$', '=', '\u{80}', '\u{1}', '}'] {
            let last = stored.char_indices().last().map_or(0, |(i, _)| i);
            let mut damaged = stored.get(..last).unwrap_or_default().to_owned();
            damaged.push(replacement);
            if damaged == stored {
                continue;
            }
            if let Ok(v) = hasher.verify(&damaged, password) {
                assert!(!v.matched, "{damaged:?} matched");
            }
        }
    }
    Ok(())
}

#[test]
fn invalid_params_are_rejected() {
    let bad = [
        Argon2Params {
            m_cost_kib: 0,
            ..SMALL
        },
        Argon2Params {
            m_cost_kib: 7, // argon2 needs at least 8 KiB per lane
            ..SMALL
        },
        Argon2Params { t_cost: 0, ..SMALL },
        Argon2Params { p_cost: 0, ..SMALL },
        Argon2Params {
            m_cost_kib: 64,
            p_cost: 9, // 8 KiB per lane
            ..SMALL
        },
        Argon2Params {
            m_cost_kib: Argon2Params::MAX_M_COST_KIB + 1,
            ..SMALL
        },
        Argon2Params {
            t_cost: Argon2Params::MAX_T_COST + 1,
            ..SMALL
        },
        Argon2Params {
            p_cost: Argon2Params::MAX_P_COST + 1,
            m_cost_kib: 8 * (Argon2Params::MAX_P_COST + 1),
            ..SMALL
        },
    ];
    for params in bad {
        assert!(
            matches!(Hasher::new(params), Err(Error::InvalidParams(_))),
            "{params:?} accepted"
        );
    }
}

#[test]
fn dummy_verify_runs() -> TestResult {
    let hasher = small_hasher()?;
    hasher.dummy_verify("whatever");
    hasher.dummy_verify("");
    Hasher::new(Argon2Params {
        m_cost_kib: 8,
        t_cost: 1,
        p_cost: 1,
    })?
    .dummy_verify(b"\xff".as_slice());
    Ok(())
}

#[test]
fn messages_and_debug_reveal_no_secrets() -> TestResult {
    let hasher = small_hasher()?;
    expect_test::expect![
        "Hasher { params: Argon2Params { m_cost_kib: 64, t_cost: 1, p_cost: 1 }, .. }"
    ]
    .assert_eq(&format!("{hasher:?}"));

    let errors = [
        hasher.verify("{SSHA}5en6G6MezRroT3XKqkdPOmY/BfQ=", "secret"),
        hasher.verify("{FOO}secret", "secret"),
        hasher.verify(
            "{CRYPT}$2b$31$xFdP/XeiUDSqe7ozeK2Rq.QGzLnujJkobW3VJTLh8oH1e/6koNpmu",
            "secret",
        ),
    ]
    .into_iter()
    .filter_map(Result::err)
    .map(|e| e.to_string())
    .collect::<Vec<_>>()
    .join("\n");
    expect_test::expect![[r#"
        malformed {SSHA} password value: missing salt
        unknown password scheme {FOO}
        {CRYPT} password value exceeds the cost limits: bcrypt cost above the maximum"#]]
    .assert_eq(&errors);
    Ok(())
}
