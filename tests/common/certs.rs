//! Certificates made at test time with rcgen: a test CA, a server
//! certificate it signs for `localhost` only, and a second CA nobody
//! trusts. Written once per test process to a folder of its own.

use std::path::PathBuf;
use std::sync::OnceLock;

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};

/// The PEM files.
pub struct Certs {
    /// The test CA's certificate: trust it to accept `cert`.
    pub ca: PathBuf,
    /// The server's certificate chain (leaf, then the CA), valid for the
    /// name `localhost` only (not for 127.0.0.1).
    pub cert: PathBuf,
    /// The server's private key.
    pub key: PathBuf,
    /// A certificate for `localhost` signed by another CA.
    pub stranger_cert: PathBuf,
    /// Its key.
    pub stranger_key: PathBuf,
}

/// The certificates, made on first use.
pub fn certs() -> &'static Certs {
    static CERTS: OnceLock<Certs> = OnceLock::new();
    CERTS.get_or_init(make)
}

fn ca(name: &str) -> (CertificateParams, KeyPair, String) {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(DnType::CommonName, name);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let key = KeyPair::generate().unwrap();
    let pem = params.self_signed(&key).unwrap().pem();
    (params, key, pem)
}

/// A `localhost` certificate signed by the CA: (chain PEM, key PEM).
fn leaf(ca: &(CertificateParams, KeyPair, String)) -> (String, String) {
    let mut params = CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
    params.distinguished_name.push(DnType::CommonName, "localhost");
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let key = KeyPair::generate().unwrap();
    let issuer = Issuer::from_params(&ca.0, &ca.1);
    let cert = params.signed_by(&key, &issuer).unwrap();
    (format!("{}{}", cert.pem(), ca.2), key.serialize_pem())
}

fn make() -> Certs {
    let dir = std::env::temp_dir().join(format!("websocket-engine-certs-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let write = |name: &str, pem: &str| {
        let path = dir.join(name);
        std::fs::write(&path, pem).unwrap();
        path
    };
    let test_ca = ca("websocket-engine test CA");
    let (chain, key) = leaf(&test_ca);
    let (stranger_chain, stranger_key) = leaf(&ca("a CA nobody trusts"));
    Certs {
        ca: write("ca.pem", &test_ca.2),
        cert: write("cert.pem", &chain),
        key: write("key.pem", &key),
        stranger_cert: write("stranger-cert.pem", &stranger_chain),
        stranger_key: write("stranger-key.pem", &stranger_key),
    }
}
