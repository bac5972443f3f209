"""Vision datasets: MNIST, FashionMNIST, CIFAR10, CIFAR100 (read from their standard binary files),
images in a RecordIO file or in class folders.

Data files are looked for under ``root`` first; only missing files are downloaded, from MXNet's
dataset repository (``MXNET_GLUON_REPO`` overrides it) with a short timeout. Offline, a missing
file is an MXNetError naming the files and where to put them. Nothing is ever unpickled.
"""
import gzip
import os
import tarfile
import warnings

import numpy as np

from .... import ndarray as nd
from ....base import MXNetError, data_dir
from ...utils import check_sha1
from .. import dataset
from . import _image

__all__ = ["MNIST", "FashionMNIST", "CIFAR10", "CIFAR100", "ImageRecordDataset", "ImageFolderDataset"]

_DOWNLOAD_TIMEOUT_S = 10
_DEFAULT_REPO = "https://apache-mxnet.s3-accelerate.dualstack.amazonaws.com/"


def _repo_url(namespace, filename):
    repo = os.environ.get("MXNET_GLUON_REPO", _DEFAULT_REPO)
    if not repo.endswith("/"):
        repo += "/"
    return "{}gluon/dataset/{}/{}".format(repo, namespace, filename)


def _download(url, path, sha1_hash=None):
    """Fetch ``url`` into the file ``path`` (one try, short timeout); raises OSError/MXNetError."""
    import urllib.request
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with urllib.request.urlopen(url, timeout=_DOWNLOAD_TIMEOUT_S) as r:
        data = r.read()
    tmp = path + ".part%d" % os.getpid()
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)
    if sha1_hash and not check_sha1(path, sha1_hash):
        os.remove(path)
        raise MXNetError("{} was downloaded but its SHA-1 does not match".format(url))


def _missing_error(who, root, names, url_hint, err):
    return MXNetError(
        "{who}: file(s) {names} not found in {root}, and downloading them failed ({err}). Put the files "
        "there (or pass root= the folder that holds them){hint}.".format(
            who=who, names=", ".join(names), root=root, err=err,
            hint="; they can be fetched from " + url_hint if url_hint else ""))


def _find(root, name):
    """``root/name``, or its uncompressed twin for a ``.gz`` name; None if neither exists."""
    path = os.path.join(root, name)
    if os.path.exists(path):
        return path
    if name.endswith(".gz") and os.path.exists(path[:-3]):
        return path[:-3]
    return None


def _safe_extract(archive, dest):
    """Extract a tar archive, refusing members that would land outside ``dest`` or are links."""
    with tarfile.open(archive) as tar:
        base = os.path.realpath(dest)
        for m in tar.getmembers():
            target = os.path.realpath(os.path.join(dest, m.name))
            if not (m.isfile() or m.isdir()) or os.path.commonpath([base, target]) != base:
                raise MXNetError("refusing to extract {} from {}".format(m.name, archive))
        tar.extractall(dest)


def _read_idx(path, ndim, who):
    opener = gzip.open if path.endswith(".gz") else open
    try:
        with opener(path, "rb") as f:
            raw = f.read()
    except (OSError, EOFError) as e:
        raise MXNetError("{}: cannot read {}: {}".format(who, path, e)) from None
    magic = 0x800 | ndim
    header = 4 + 4 * ndim
    if len(raw) < header or int.from_bytes(raw[:4], "big") != magic:
        raise MXNetError("{}: {} is not an IDX file with {} dimension(s) (magic 0x{:08x} expected)".format(
            who, path, ndim, magic))
    shape = tuple(int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim))
    size = int(np.prod(shape))
    if len(raw) - header < size:
        raise MXNetError("{}: {} is truncated: shape {} needs {} bytes, found {}".format(
            who, path, shape, size, len(raw) - header))
    return np.frombuffer(raw, dtype=np.uint8, count=size, offset=header).reshape(shape)


class MNIST(dataset._DownloadedDataset):
    """MNIST handwritten digits: samples ``(image, label)``, the image a (28, 28, 1) uint8 NDArray,
    the label a NumPy int32 scalar.

    Parameters
    ----------
    root : str, default $MXNET_HOME/datasets/mnist
        Folder holding ``{train,t10k}-{images-idx3,labels-idx1}-ubyte.gz`` (or uncompressed).
    train : bool, default True
        The training set (60,000 samples) or the test set (10,000).
    transform : callable(data, label) -> sample, default None
    """

    def __init__(self, root=os.path.join(data_dir(), "datasets", "mnist"), train=True, transform=None):
        self._train = train
        self._train_data = ("train-images-idx3-ubyte.gz", "6c95f4b05d2bf285e1bfb0e7960c31bd3b3f8a7d")
        self._train_label = ("train-labels-idx1-ubyte.gz", "2a80914081dc54586dbdf242f9805a6b8d2a15fc")
        self._test_data = ("t10k-images-idx3-ubyte.gz", "c3a25af1f52dad7f726cce8cacb138654b760d48")
        self._test_label = ("t10k-labels-idx1-ubyte.gz", "763e7fa3757d93b0cdec073cef058b2004252c17")
        self._namespace = "mnist"
        super().__init__(root, transform)

    def _get_data(self):
        files = [self._train_data, self._train_label] if self._train else [self._test_data, self._test_label]
        who = type(self).__name__
        paths = {}
        missing = [f for f in files if _find(self._root, f[0]) is None]
        if missing:
            try:
                for name, sha1 in missing:
                    _download(_repo_url(self._namespace, name), os.path.join(self._root, name), sha1)
            except Exception as e:  # noqa: BLE001 - any network or file failure
                raise _missing_error(who, self._root, [m[0] for m in missing],
                                     _repo_url(self._namespace, ""), e) from None
        for name, _ in files:
            paths[name] = _find(self._root, name)
        label = _read_idx(paths[files[1][0]], 1, who).astype(np.int32)
        data = _read_idx(paths[files[0][0]], 3, who)
        if data.shape[0] != label.shape[0]:
            raise MXNetError("{}: {} holds {} images but {} holds {} labels".format(
                who, paths[files[0][0]], data.shape[0], paths[files[1][0]], label.shape[0]))
        self._data = nd.array(data.reshape(data.shape + (1,)), dtype=np.uint8)
        self._label = label


class FashionMNIST(MNIST):
    """Zalando's Fashion-MNIST (same format as MNIST): (28, 28, 1) uint8 images, int32 labels.

    ``root`` defaults to $MXNET_HOME/datasets/fashion-mnist."""

    def __init__(self, root=os.path.join(data_dir(), "datasets", "fashion-mnist"), train=True,
                 transform=None):
        self._train = train
        self._train_data = ("train-images-idx3-ubyte.gz", "0cf37b0d40ed5169c6b3aba31069a9770ac9043d")
        self._train_label = ("train-labels-idx1-ubyte.gz", "236021d52f1e40852b06a4c3008d8de8aef1e40b")
        self._test_data = ("t10k-images-idx3-ubyte.gz", "626ed6a7c06dd17c0eec72fa3be1740f146a2863")
        self._test_label = ("t10k-labels-idx1-ubyte.gz", "17f9ab60e7257a1620f4ad76bbbaf857c3920701")
        self._namespace = "fashion-mnist"
        dataset._DownloadedDataset.__init__(self, root, transform)


class CIFAR10(dataset._DownloadedDataset):
    """CIFAR-10 from its binary version (``cifar-10-batches-bin``: ``data_batch_1..5.bin``,
    ``test_batch.bin``, in ``root`` or ``root/cifar-10-batches-bin``): (32, 32, 3) uint8 images,
    int32 labels.

    ``root`` defaults to $MXNET_HOME/datasets/cifar10."""

    _subdir = "cifar-10-batches-bin"
    _record = 3072 + 1

    def __init__(self, root=os.path.join(data_dir(), "datasets", "cifar10"), train=True, transform=None):
        self._train = train
        self._archive_file = ("cifar-10-binary.tar.gz", "fab780a1e191a7eda0f345501ccd62d20f7ed891")
        self._train_data = [("data_batch_%d.bin" % i, None) for i in range(1, 6)]
        self._test_data = [("test_batch.bin", None)]
        self._namespace = "cifar10"
        super().__init__(root, transform)

    def _read_batch(self, filename):
        with open(filename, "rb") as fin:
            raw = fin.read()
        if len(raw) % self._record:
            raise MXNetError("{}: {} has {} bytes, not a multiple of the {}-byte record".format(
                type(self).__name__, filename, len(raw), self._record))
        data = np.frombuffer(raw, dtype=np.uint8).reshape(-1, self._record)
        return data[:, 1:].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1), data[:, 0].astype(np.int32)

    def _locate(self, names):
        for folder in (self._root, os.path.join(self._root, self._subdir)):
            if all(os.path.exists(os.path.join(folder, n)) for n in names):
                return folder
        return None

    def _get_data(self):
        files = [n for n, _ in (self._train_data if self._train else self._test_data)]
        folder = self._locate(files)
        if folder is None:
            archive = os.path.join(self._root, self._archive_file[0])
            url = _repo_url(self._namespace, self._archive_file[0])
            try:
                if not os.path.exists(archive):
                    _download(url, archive, self._archive_file[1])
                _safe_extract(archive, self._root)
            except Exception as e:  # noqa: BLE001 - any network or archive failure
                raise _missing_error(type(self).__name__, "{} (or {})".format(
                    self._root, os.path.join(self._root, self._subdir)), files, url, e) from None
            folder = self._locate(files)
            if folder is None:
                raise MXNetError("{}: {} did not contain {}".format(type(self).__name__, archive, files))
        data, label = zip(*(self._read_batch(os.path.join(folder, n)) for n in files))
        data = np.concatenate(data)
        self._data = nd.array(data, dtype=data.dtype)
        self._label = np.concatenate(label)


class CIFAR100(CIFAR10):
    """CIFAR-100 from its binary version (``train.bin``/``test.bin`` in ``root`` or
    ``root/cifar-100-binary``): (32, 32, 3) uint8 images; labels are the 20 coarse classes, or the
    100 fine ones with ``fine_label=True``.

    ``root`` defaults to $MXNET_HOME/datasets/cifar100."""

    _subdir = "cifar-100-binary"
    _record = 3072 + 2

    def __init__(self, root=os.path.join(data_dir(), "datasets", "cifar100"), fine_label=False, train=True,
                 transform=None):
        self._train = train
        self._archive_file = ("cifar-100-binary.tar.gz", "a0bb982c76b83111308126cc779a992fa506b90b")
        self._train_data = [("train.bin", None)]
        self._test_data = [("test.bin", None)]
        self._fine_label = fine_label
        self._namespace = "cifar100"
        dataset._DownloadedDataset.__init__(self, root, transform)

    def _read_batch(self, filename):
        with open(filename, "rb") as fin:
            raw = fin.read()
        if len(raw) % self._record:
            raise MXNetError("{}: {} has {} bytes, not a multiple of the {}-byte record".format(
                type(self).__name__, filename, len(raw), self._record))
        data = np.frombuffer(raw, dtype=np.uint8).reshape(-1, self._record)
        return (data[:, 2:].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1),
                data[:, int(bool(self._fine_label))].astype(np.int32))


def _imread(source, flag, who):
    return nd.array(_image.decode_image(source, flag, who), dtype=np.uint8)


class ImageRecordDataset(dataset.RecordFileDataset):
    """Images in a RecordIO file (records made by ``recordio.pack_img``): samples
    ``(HWC uint8 image, label)``; ``flag`` 1 decodes to RGB, 0 to greyscale. Decoding needs Pillow."""

    def __init__(self, filename, flag=1, transform=None):
        super().__init__(filename)
        self._flag = flag
        self._transform = transform

    def __getitem__(self, idx):
        from ....recordio import unpack
        header, img = unpack(super().__getitem__(idx))
        data = _imread(img, self._flag, "ImageRecordDataset")
        if self._transform is not None:
            return self._transform(data, header.label)
        return data, header.label


class ImageFolderDataset(dataset.Dataset):
    """Images stored as ``root/<class name>/<file>.{jpg,jpeg,png}``: samples ``(HWC uint8 image,
    label)`` with labels numbering the class folders in sorted order. Decoding needs Pillow.

    Attributes
    ----------
    synsets : list of str
        Class names; ``synsets[i]`` is the name of label ``i``.
    items : list of (filename, label)
    """

    def __init__(self, root, flag=1, transform=None):
        self._root = os.path.expanduser(root)
        self._flag = flag
        self._transform = transform
        self._exts = [".jpg", ".jpeg", ".png"]
        self._list_images(self._root)

    def _list_images(self, root):
        self.synsets = []
        self.items = []
        for folder in sorted(os.listdir(root)):
            path = os.path.join(root, folder)
            if not os.path.isdir(path):
                warnings.warn("Ignoring %s, which is not a directory." % path, stacklevel=3)
                continue
            label = len(self.synsets)
            self.synsets.append(folder)
            for filename in sorted(os.listdir(path)):
                filename = os.path.join(path, filename)
                ext = os.path.splitext(filename)[1]
                if ext.lower() not in self._exts:
                    warnings.warn("Ignoring %s of type %s. Only support %s" % (filename, ext, ", ".join(self._exts)))
                    continue
                self.items.append((filename, label))

    def __getitem__(self, idx):
        filename, label = self.items[idx]
        img = _imread(filename, self._flag, "ImageFolderDataset")
        if self._transform is not None:
            return self._transform(img, label)
        return img, label

    def __len__(self):
        return len(self.items)
