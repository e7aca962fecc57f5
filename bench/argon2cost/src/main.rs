//! Times argon2id verification at orgdir's default parameters (m=19456 KiB, t=2, p=1,
//! 32-byte output) with the RustCrypto `argon2` crate, the one orgdir-passwords uses.
//! Usage: argon2cost [N]   (N verifications, default 20). Prints one key=value line.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use std::time::Instant;

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(20)
        .max(1);
    let params = match Params::new(19_456, 2, 1, Some(32)) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("argon2cost: {e}");
            std::process::exit(2)
        }
    };
    let a = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
    let salt = SaltString::encode_b64(b"orgdir-bench-salt").unwrap_or_else(|e| {
        eprintln!("argon2cost: {e}");
        std::process::exit(2)
    });
    let phc = a
        .hash_password(b"pw-10000", &salt)
        .map(|h| h.to_string())
        .unwrap_or_else(|e| {
            eprintln!("argon2cost: {e}");
            std::process::exit(2)
        });
    let parsed = PasswordHash::new(&phc).unwrap_or_else(|e| {
        eprintln!("argon2cost: {e}");
        std::process::exit(2)
    });
    // one verification first (page faults for the 19 MiB block)
    let _ = Argon2::default().verify_password(b"pw-10000", &parsed);
    let mut ms = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        let ok = Argon2::default()
            .verify_password(b"pw-10000", &parsed)
            .is_ok();
        ms.push(t.elapsed().as_secs_f64() * 1000.0);
        if !ok {
            eprintln!("argon2cost: verification failed");
            std::process::exit(1)
        }
    }
    ms.sort_by(|a, b| a.total_cmp(b));
    let mean = ms.iter().sum::<f64>() / n as f64;
    println!(
        "# argon2 tool=rust-argon2-crate-0.5 params=m19456,t2,p1 verifies={n} mean_ms={mean:.2} median_ms={:.2} min_ms={:.2} max_ms={:.2} verifies_per_core_s={:.1}",
        ms[n / 2],
        ms[0],
        ms[n - 1],
        1000.0 / ms[n / 2]
    );
}
