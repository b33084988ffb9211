"""SimpleRNN, LSTM and GRU over (batch, time, features), with Keras's mask and order rules.

Rules that ports get wrong, all taken from Keras 3:
- the kernel columns are gate blocks: LSTM i, f, c, o; GRU z, r, h;
- GRU with reset_after=True keeps two bias rows (input, recurrent) and applies the reset gate
  after the recurrent product; with reset_after=False, before it;
- at a masked step the state is left unchanged and the output is the previous output
  (zeros before the first real step), or zeros when zero_output_for_mask is set (Bidirectional
  sets it whenever it returns sequences);
- go_backwards walks the sequence from the end and returns the outputs in that walking order.
"""

import numpy as np

from .. import activations
from ..errors import InputError
from ..keras_file import expect_weights
from .base import Layer

# Steps whose input product is computed at once: large enough for an efficient product, small
# enough that the projections of a block stay in cache.
TIME_BLOCK = 16


class _Recurrent(Layer):
    gates = 1
    has_recurrent_activation = False

    def read_config(self, options):
        take = options.take
        self.units = take("units", kind=int, minimum=1)
        self.activation = activations.get(take("activation", "tanh"), self.name, self.class_name)
        if self.has_recurrent_activation:
            self.recurrent_activation = activations.get(
                take("recurrent_activation", "sigmoid"), self.name, self.class_name
            )
        self.use_bias = take("use_bias", True, kind=bool)
        self.return_sequences = take("return_sequences", False, kind=bool)
        self.go_backwards = take("go_backwards", False, kind=bool)
        self.zero_output_for_mask = take("zero_output_for_mask", False, kind=bool)
        take("return_state", False, allowed={False})
        take("stateful", False, allowed={False})
        # Dropout only acts in training; unroll, implementation and cuDNN compute the same
        # function; unit_forget_bias only initialises the bias.
        options.ignore(
            "dropout",
            "recurrent_dropout",
            "unroll",
            "implementation",
            "unit_forget_bias",
            "use_cudnn",
            "time_major",
        )
        # Where this layer's weights live: its own name, or inside a Bidirectional wrapper.
        self.weight_owner, self.weight_subpath = self.name, "cell"

    def build(self, input_shape, archive):
        if len(input_shape) != 3:
            raise self.unsupported(
                f"expects (batch, time, features) input, found shape {input_shape}"
            )
        features, width = input_shape[-1], self.gates * self.units
        shapes = [(features, width), (self.units, width)]
        if self.use_bias:
            shapes.append(self.bias_shape())
        arrays = archive.weights.variables(self.weight_owner, self.weight_subpath)
        weights = expect_weights(arrays, shapes, self.name, self.class_name)
        self.kernel, self.recurrent_kernel = weights[0], weights[1]
        self.bias = weights[2] if self.use_bias else None
        steps = input_shape[1]
        self.output_shape = (
            (None, steps, self.units) if self.return_sequences else (None, self.units)
        )
        return self.output_shape

    def bias_shape(self):
        return (self.gates * self.units,)

    def input_bias(self):
        return self.bias

    def call(self, x, mask):
        batch, steps, _ = x.shape
        if steps == 0:
            # Keras refuses an empty time axis too; there is no last output to return.
            raise InputError(
                f"layer {self.name!r} ({self.class_name}) needs at least one time step, found "
                f"an input of shape {x.shape}"
            )
        # Time-major: each step's input, projection and output is then one contiguous block.
        x_by_time = np.ascontiguousarray(x.transpose(1, 0, 2))
        # Steps where no row is masked need no masking work.
        all_real = np.ones(steps, bool) if mask is None else mask.all(axis=0)

        state = self.initial_state(batch)
        output = np.zeros((batch, self.units), np.float32)
        outputs = None
        if self.return_sequences:
            outputs = np.empty((steps, batch, self.units), np.float32)
        order = np.arange(steps)[::-1] if self.go_backwards else np.arange(steps)
        for first in range(0, steps, TIME_BLOCK):
            # The input product of a block of steps at once, as one 2-D product; only the
            # recurrent product stays in the step loop.
            block = order[first : first + TIME_BLOCK]
            low = block.min()
            projected = self.project(x_by_time[low : block.max() + 1])
            for position, t in enumerate(block, start=first):
                new_output, new_state = self.step(projected[t - low], state)
                if not all_real[t]:
                    keep = mask[:, t, None]
                    new_state = tuple(np.where(keep, n, s) for n, s in zip(new_state, state))
                    fallback = 0.0 if self.zero_output_for_mask else output
                    new_output = np.where(keep, new_output, fallback).astype(np.float32)
                state, output = new_state, new_output
                if outputs is not None:
                    # Outputs are kept in walking order (reversed time for go_backwards).
                    outputs[position] = output

        if outputs is not None:
            return outputs.transpose(1, 0, 2), mask
        return output, None

    def project(self, x_by_time):
        """(steps, batch, features) -> (steps, batch, gates * units): inputs times kernel."""
        steps, batch, features = x_by_time.shape
        projected = (x_by_time.reshape(steps * batch, features) @ self.kernel).reshape(
            steps, batch, -1
        )
        if self.bias is not None:
            projected += self.input_bias()
        return projected

    def initial_state(self, batch):
        return (np.zeros((batch, self.units), np.float32),)

    def scratch_elements(self, input_shape):
        steps = input_shape[1] or 1
        # The time-major input copy, one block of projections, and the outputs.
        inputs = steps * input_shape[2]
        projections = min(steps, TIME_BLOCK) * self.gates * self.units
        return inputs + projections + steps * self.units + super().scratch_elements(input_shape)


class SimpleRNN(_Recurrent):
    """h_t = activation(x_t @ kernel + bias + h_{t-1} @ recurrent_kernel)."""

    class_name = "SimpleRNN"

    def step(self, projected, state):
        (h,) = state
        z = h @ self.recurrent_kernel
        z += projected
        h = activations.apply(self.activation, z)
        return h, (h,)


class LSTM(_Recurrent):
    """Gates i, f, c, o in that column order; state (h, c); output h."""

    class_name = "LSTM"
    gates = 4
    has_recurrent_activation = True

    def initial_state(self, batch):
        zeros = np.zeros((batch, self.units), np.float32)
        return zeros, zeros

    def step(self, projected, state):
        h, c = state
        units = self.units
        z = h @ self.recurrent_kernel
        z += projected
        candidate = activations.fresh(self.activation, z[:, 2 * units : 3 * units])

        if self.recurrent_activation in activations.ELEMENTWISE:
            # One call over all four blocks, written over z, costs less than three; the
            # candidate block of its result is simply not used.
            gates = activations.apply(self.recurrent_activation, z)
            i, f, _, o = np.split(gates, 4, axis=-1)
        else:
            i, f, _, o = np.split(z, 4, axis=-1)
            i, f, o = (self.recurrent_activation(gate) for gate in (i, f, o))

        # c = f * c + i * candidate and h = o * activation(c), with as few new arrays as the
        # state allows (the previous c must survive: a masked step falls back to it).
        candidate *= i
        c = f * c
        c += candidate
        h = activations.fresh(self.activation, c)
        h *= o
        return h, (h, c)


class GRU(_Recurrent):
    """Gates z, r, h in that column order; h_t = z * h_{t-1} + (1 - z) * candidate."""

    class_name = "GRU"
    gates = 3
    has_recurrent_activation = True

    def read_config(self, options):
        super().read_config(options)
        self.reset_after = options.take("reset_after", True, kind=bool)

    def bias_shape(self):
        # reset_after keeps separate input and recurrent biases, one row each.
        return (2, 3 * self.units) if self.reset_after else (3 * self.units,)

    def input_bias(self):
        return self.bias[0] if self.reset_after else self.bias

    def step(self, projected, state):
        (h,) = state
        units = self.units
        x_h = projected[:, 2 * units :]

        if self.reset_after:
            inner = h @ self.recurrent_kernel
            if self.bias is not None:
                inner += self.bias[1]
            z, r = self._update_and_reset(projected, inner)
            # The reset gate scales the recurrent product (and its bias) after the matmul.
            candidate = self.activation(x_h + r * inner[:, 2 * units :])
        else:
            inner = h @ self.recurrent_kernel[:, : 2 * units]
            z, r = self._update_and_reset(projected, inner)
            # The reset gate scales the state before the recurrent product.
            candidate = self.activation(x_h + (r * h) @ self.recurrent_kernel[:, 2 * units :])

        h = z * h + (1 - z) * candidate
        return h, (h,)

    def _update_and_reset(self, projected, inner):
        """The update gate z and the reset gate r from the input and recurrent products."""
        units = self.units
        both = projected[:, : 2 * units] + inner[:, : 2 * units]
        if self.recurrent_activation in activations.ELEMENTWISE:
            both = self.recurrent_activation(both)
            return both[:, :units], both[:, units:]
        return self.recurrent_activation(both[:, :units]), self.recurrent_activation(
            both[:, units:]
        )
