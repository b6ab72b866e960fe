//! Tests of the routing matrix.
