//! Bad input: every case gives a typed error naming the problem, never NaN or a panic.
