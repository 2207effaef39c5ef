"""``TensorBoard``: scalars, weight histograms and the layer graph in TensorBoard's event
files, without TensorFlow.

An event file is a sequence of TFRecords, each an ``Event`` protocol buffer. A record is
``uint64 length | uint32 masked_crc32c(length) | data | uint32 masked_crc32c(data)``,
little-endian. The buffers are encoded here by hand: only the few fields TensorBoard
reads for scalars, histograms and graphs are needed.
"""

from __future__ import annotations

import itertools
import os
import socket
import struct
import time
import warnings

import numpy as np

from .callback import Callback, log_value

__all__ = ["TensorBoard", "EventFileWriter", "crc32c", "masked_crc32c"]


# ---- CRC32C (Castagnoli), the checksum of TFRecord framing ---------------------------
def _crc32c_table() -> list[int]:
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1  # reflected polynomial
        table.append(crc)
    return table


_CRC_TABLE = _crc32c_table()


def crc32c(data: bytes) -> int:
    """The CRC-32C of ``data``; ``crc32c(b"123456789") == 0xE3069283``."""
    crc = 0xFFFFFFFF
    for byte in data:
        crc = _CRC_TABLE[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def masked_crc32c(data: bytes) -> int:
    """TFRecord's masked checksum: the CRC rotated right by 15 bits plus a constant."""
    crc = crc32c(data)
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def tfrecord(data: bytes) -> bytes:
    """``data`` framed as one TFRecord."""
    length = struct.pack("<Q", len(data))
    return (length + struct.pack("<I", masked_crc32c(length)) + data
            + struct.pack("<I", masked_crc32c(data)))


# ---- protocol buffer encoding: varints, and fields by wire type -----------------------
def _varint(value: int) -> bytes:
    value &= (1 << 64) - 1  # negative int64 values take ten bytes, as protobuf writes them
    out = bytearray()
    while True:
        low, value = value & 0x7F, value >> 7
        if value:
            out.append(low | 0x80)
        else:
            out.append(low)
            return bytes(out)


def _key(field: int, wire_type: int) -> bytes:
    return _varint(field << 3 | wire_type)


def _bytes_field(field: int, payload: bytes | str) -> bytes:
    if isinstance(payload, str):
        payload = payload.encode("utf-8")
    return _key(field, 2) + _varint(len(payload)) + payload


def _event(wall_time: float, step: int, **fields) -> bytes:
    """An ``Event``: wall_time (1, double), step (2, int64), file_version (3), graph_def
    (4, a serialized ``GraphDef``), summary (5)."""
    out = _key(1, 1) + struct.pack("<d", wall_time) + _key(2, 0) + _varint(step)
    for name, number in (("file_version", 3), ("graph_def", 4), ("summary", 5)):
        if name in fields:
            out += _bytes_field(number, fields[name])
    return out


def scalar_summary(tag: str, value: float) -> bytes:
    """A ``Summary`` holding one ``Value{tag (1), simple_value (2, float)}``."""
    value_message = _bytes_field(1, tag) + _key(2, 5) + struct.pack("<f", value)
    return _bytes_field(1, value_message)


def histogram_summary(tag: str, values, bins: int = 30) -> bytes:
    """A ``Summary`` holding one ``Value{tag (1), histo (5)}``: a ``HistogramProto`` of
    ``values`` (min 1, max 2, num 3, sum 4, sum_squares 5, then the packed right edges
    (6) and counts (7) of ``bins`` equal-width buckets, as TensorFlow 2 makes them)."""
    values = np.asarray(values, dtype=np.float64).ravel()
    low, high = (float(values.min()), float(values.max())) if values.size else (0.0, 0.0)
    counts, edges = np.histogram(values, bins=bins, range=(low, high) if high > low else (
        low - 0.5, low + 0.5))
    stats = (low, high, float(values.size), float(values.sum()), float(np.dot(values, values)))
    histo = b"".join(_key(field, 1) + struct.pack("<d", value)
                     for field, value in zip(range(1, 6), stats))
    histo += _bytes_field(6, edges[1:].astype("<f8").tobytes())
    histo += _bytes_field(7, counts.astype("<f8").tobytes())
    return _bytes_field(1, _bytes_field(1, tag) + _bytes_field(5, histo))


def graph_def(layers) -> bytes:
    """A ``GraphDef`` with one ``NodeDef{name (1), op (2), input (3)...}`` per layer:
    ``layers`` is a list of ``(name, class name, [names of the layers it reads])``."""
    out = b""
    for name, op, inputs in layers:
        node = _bytes_field(1, name) + _bytes_field(2, op)
        for parent in inputs:
            node += _bytes_field(3, parent)
        out += _bytes_field(1, node)
    return out


_file_counter = itertools.count()


class EventFileWriter:
    """Appends events to ``<log_dir>/events.out.tfevents.<time>.<host>.<pid>.<n>.v2``.

    The first record is the ``file_version`` event ``"brain.Event:2"``, as TensorBoard
    expects; every record is flushed as it is written.
    """

    def __init__(self, log_dir: str):
        os.makedirs(log_dir, exist_ok=True)
        now = time.time()
        name = (f"events.out.tfevents.{int(now):010d}.{socket.gethostname()}."
                f"{os.getpid()}.{next(_file_counter)}.v2")
        self.path = os.path.join(log_dir, name)
        self._file = open(self.path, "wb")
        self._write(_event(now, 0, file_version="brain.Event:2"))

    def _write(self, event: bytes) -> None:
        self._file.write(tfrecord(event))
        self._file.flush()

    def add_scalar(self, tag: str, value: float, step: int) -> None:
        self._write(_event(time.time(), int(step), summary=scalar_summary(tag, value)))

    def add_histogram(self, tag: str, values, step: int) -> None:
        self._write(_event(time.time(), int(step), summary=histogram_summary(tag, values)))

    def add_graph(self, layers) -> None:
        self._write(_event(time.time(), 0, graph_def=graph_def(layers)))

    def close(self) -> None:
        if not self._file.closed:
            self._file.close()


def _model_layers(model) -> list:
    """(name, class, parent layer names) for each layer of a functional or Sequential
    model; for a subclassed one, its layers in order with no edges."""
    graph = getattr(model, "_graph_for_summary", lambda: None)()
    if graph is None:
        return [(layer.name, type(layer).__name__, []) for layer in model.layers]
    out = []
    for node in graph._nodes:
        parents = [t._keras_history[0].name for t in node.input_tensors]
        out.append((node.layer.name, type(node.layer).__name__, parents))
    return out


# Keras 2 arguments old tutorials pass, with the value that changes nothing.
_KERAS2_ONLY = {"batch_size": 32, "write_grads": False, "embeddings_layer_names": None,
                "embeddings_data": None}


class TensorBoard(Callback):
    """Writes the training logs where TensorBoard reads them, without TensorFlow.

    At each epoch's end, in ``<log_dir>/train``: ``epoch_<metric>`` for each training
    log (``epoch_loss``, ``epoch_accuracy``, ...) and ``epoch_learning_rate``, at step
    ``epoch``; in ``<log_dir>/validation``: ``epoch_<metric>`` for each ``val_<metric>``.
    With ``update_freq="batch"`` (or an integer ``n``: every ``n`` batches), the batch
    logs too, as ``batch_<metric>`` at the global batch number (1-based). Each epoch's
    validation logs also go in as ``evaluation_<metric>_vs_iterations`` at the number of
    batches trained so far.

    Then ``tensorboard --logdir <log_dir>`` shows the curves.

    Args:
        log_dir: the folder of the event files; default ``"logs"``.
        histogram_freq: every how many epochs to write a histogram of each layer's
            weights (``<layer>/<weight>/histogram``, 30 equal-width buckets, in the
            train folder); ``0`` (default) writes none.
        write_graph: write the layer graph (one node per layer, edges between connected
            layers) in the train folder; default ``True``.
        write_images: needs TensorFlow; ``True`` is ignored with a warning.
        write_steps_per_second: also write ``epoch_steps_per_second``; default ``False``.
        update_freq: ``"epoch"``, ``"batch"`` or an integer; default ``"epoch"``.
        profile_batch, embeddings_freq, embeddings_metadata: need TensorFlow; non-default
            values are ignored with a warning.
        **kwargs: Keras 2's ``batch_size`` is accepted and ignored; its ``write_grads``,
            ``embeddings_layer_names`` and ``embeddings_data`` too, with a warning when
            set.

    Example:

    >>> tensorboard = TensorBoard(log_dir="./logs")
    >>> model.fit(x, y, epochs=5, callbacks=[tensorboard])  # doctest: +SKIP
    """

    def __init__(self, log_dir="logs", histogram_freq=0, write_graph=True,
                 write_images=False, write_steps_per_second=False, update_freq="epoch",
                 profile_batch=0, embeddings_freq=0, embeddings_metadata=None, **kwargs):
        super().__init__()
        unknown = sorted(set(kwargs) - set(_KERAS2_ONLY))
        if unknown:
            raise TypeError(f"TensorBoard got unexpected keyword arguments {unknown}.")
        if update_freq == "batch":
            update_freq = 1
        if update_freq != "epoch" and (isinstance(update_freq, bool)
                                       or not isinstance(update_freq, int)
                                       or update_freq < 1):
            raise ValueError("TensorBoard: `update_freq` must be 'epoch', 'batch' or a "
                             f"positive integer; received {update_freq!r}.")
        if isinstance(histogram_freq, bool) or not isinstance(histogram_freq, int) or \
                histogram_freq < 0:
            raise ValueError("TensorBoard: `histogram_freq` must be a non-negative integer; "
                             f"received {histogram_freq!r}.")
        needs_tf = {"write_images": (write_images, False),
                    "profile_batch": (profile_batch, 0), "embeddings_freq": (embeddings_freq, 0),
                    "embeddings_metadata": (embeddings_metadata, None)}
        needs_tf.update({name: (value, _KERAS2_ONLY[name]) for name, value in kwargs.items()
                         if name != "batch_size"})  # it only sized Keras 2's histograms
        ignored = [name for name, (value, default) in needs_tf.items() if value != default]
        if ignored:
            warnings.warn(f"TensorBoard: {', '.join(ignored)} need(s) TensorFlow, which "
                          "kerasette does not use; ignored. Scalars, histograms and "
                          "the graph are written.", stacklevel=2)
        self.log_dir = os.fspath(log_dir)
        self.histogram_freq = histogram_freq
        self.write_graph = write_graph
        self.write_images = write_images
        self.write_steps_per_second = write_steps_per_second
        self.update_freq = update_freq
        self._writers = {}
        self._global_train_batch = 0
        self._epoch_start = None
        self._epoch_batches = 0

    def _writer(self, kind: str) -> EventFileWriter:
        if kind not in self._writers:
            self._writers[kind] = EventFileWriter(os.path.join(self.log_dir, kind))
        return self._writers[kind]

    def _write(self, kind: str, tag_format: str, logs, step: int) -> None:
        for name, value in logs.items():
            value = log_value(value)
            if isinstance(value, float):  # strings and vectors are no scalars
                self._writer(kind).add_scalar(tag_format.format(name), value, step)

    def on_train_begin(self, logs=None) -> None:
        self._global_train_batch = 0
        if self.write_graph:
            self._writer("train").add_graph(_model_layers(self.model))

    def on_epoch_begin(self, epoch: int, logs=None) -> None:
        self._epoch_start = time.time()
        self._epoch_batches = 0

    def on_train_batch_end(self, batch: int, logs=None) -> None:
        self._global_train_batch += 1
        self._epoch_batches += 1
        if self.update_freq != "epoch" and logs and \
                self._global_train_batch % self.update_freq == 0:
            self._write("train", "batch_{}", logs, self._global_train_batch)

    def on_epoch_end(self, epoch: int, logs=None) -> None:
        logs = dict(logs or {})
        train = {k: v for k, v in logs.items() if not k.startswith("val_")}
        validation = {k[4:]: v for k, v in logs.items() if k.startswith("val_")}
        optimizer = getattr(self.model, "optimizer", None)
        if optimizer is not None and hasattr(optimizer, "learning_rate"):
            train["learning_rate"] = float(optimizer.learning_rate)
        if self.write_steps_per_second and self._epoch_start is not None:
            elapsed = max(time.time() - self._epoch_start, 1e-9)
            train["steps_per_second"] = self._epoch_batches / elapsed
        self._write("train", "epoch_{}", train, epoch)
        self._write("validation", "epoch_{}", validation, epoch)
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            self._write_histograms(epoch)
        self._write("validation", "evaluation_{}_vs_iterations", validation,
                    self._global_train_batch)

    def _write_histograms(self, epoch: int) -> None:
        """One ``<layer>/<weight>/histogram`` per weight of each layer, at ``epoch``."""
        for layer in self.model.layers:
            for weight, value in zip(layer.weights, layer.get_weights()):
                tag = f"{layer.name}/{weight.name.split('/')[-1]}/histogram"
                self._writer("train").add_histogram(tag.replace(":", "_"), value, epoch)

    def on_train_end(self, logs=None) -> None:
        for writer in self._writers.values():
            writer.close()
        self._writers = {}
