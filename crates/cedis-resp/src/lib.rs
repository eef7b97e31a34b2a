//! RESP2/RESP3 codec (placeholder, being written).
