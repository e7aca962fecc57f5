//! Enterprise images (SPEC ENT-5) as the store keeps them: a logo or banner submitted by the
//! enterprise waits for the operator's review; only an approved image is shown to others.

use orgdir_domain::model::Timestamp;

/// Which image.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ImageKind {
    /// The logo.
    Logo,
    /// The banner.
    Banner,
}

impl ImageKind {
    /// Both kinds.
    pub const ALL: [ImageKind; 2] = [ImageKind::Logo, ImageKind::Banner];

    /// The stored and URL form.
    pub fn key(self) -> &'static str {
        match self {
            ImageKind::Logo => "logo",
            ImageKind::Banner => "banner",
        }
    }

    /// Parses [`ImageKind::key`].
    pub fn from_key(s: &str) -> Option<ImageKind> {
        ImageKind::ALL.into_iter().find(|k| k.key() == s)
    }
}

/// Where an image stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ImageStatus {
    /// Waiting for the operator.
    Pending,
    /// Live: shown to others.
    Approved,
    /// Turned down (with a reason); kept until the next rejection of the same kind.
    Rejected,
}

impl ImageStatus {
    /// The stored form.
    pub fn key(self) -> &'static str {
        match self {
            ImageStatus::Pending => "pending",
            ImageStatus::Approved => "approved",
            ImageStatus::Rejected => "rejected",
        }
    }

    /// Parses [`ImageStatus::key`].
    pub fn from_key(s: &str) -> Option<ImageStatus> {
        [
            ImageStatus::Pending,
            ImageStatus::Approved,
            ImageStatus::Rejected,
        ]
        .into_iter()
        .find(|k| k.key() == s)
    }
}

/// An image without its bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImageRecord {
    /// Identity.
    pub id: u64,
    /// Whose.
    pub enterprise: u64,
    /// Logo or banner.
    pub kind: ImageKind,
    /// Where it stands.
    pub status: ImageStatus,
    /// `image/png`, `image/jpeg` or `image/webp` (checked against the bytes before storing).
    pub content_type: String,
    /// Size in bytes.
    pub size: u64,
    /// Why it was rejected.
    pub reason: Option<String>,
    /// When it was submitted.
    pub submitted_at: Timestamp,
    /// When it was reviewed.
    pub reviewed_at: Option<Timestamp>,
}

/// An image to store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewImage {
    /// Whose.
    pub enterprise: u64,
    /// Logo or banner.
    pub kind: ImageKind,
    /// Its checked content type.
    pub content_type: String,
    /// The file.
    pub bytes: Vec<u8>,
    /// When.
    pub submitted_at: Timestamp,
}
