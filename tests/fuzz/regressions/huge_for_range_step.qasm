OPENQASM 3.0;
include "stdgates.inc";
qubit[1] q;
for int i in [0:2:99999999999999999999999999999] { h q[0]; }
