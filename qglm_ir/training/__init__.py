"""Training support: differentiable kernels, batched simulation, gradients, noise.

Quantum side (this package's ``kernel``/``tape``/``statevector``/``adjoint``/
``shift``/``noise`` modules): a measurement-free ``q.kernel`` is flattened once
into a :class:`~.tape.Tape` whose gate angles are affine in the kernel's
symbols, then simulated for a whole batch of input/parameter vectors at once.
Modules are imported on use; importing the package is cheap.
"""
