OUPENQASM 3.0;
include "stdgates.inc";
input float [3] q;
for int i in [0:22222222222222222222222222222222222] { rx(theta) q[i]; }
bit b = measure q[0];
while (b) { x q[0]; = measure q[0]; }
