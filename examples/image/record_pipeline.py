"""An image RecordIO pipeline end to end: pack synthetic PNGs into an indexed .rec, train a small
CNN from ``mx.io.ImageRecordIter``, and read the same records back through ``mx.image.ImageIter``.

    python examples/image/record_pipeline.py --num-epochs 8 --work-dir /tmp/shapes

1. A few hundred small images of coloured shapes (class 0 circle, 1 square, 2 triangle; random
   colour, size, position and noisy background) are encoded as PNG with ``mx.recordio.pack_img``
   and written with ``mx.recordio.MXIndexedRecordIO`` (``train.rec/.idx`` and ``val.rec/.idx``).
2. A small CNN is trained with ``mx.mod.Module.fit`` from ``mx.io.ImageRecordIter`` (shuffle,
   ``rand_mirror``, per-channel ``mean_*``/``std_*`` normalisation).
3. The validation records are read again by ``mx.image.ImageIter`` with an augmenter list from
   ``mx.image.CreateAugmenter`` (the same mean/std) and the trained module is scored on them:
   both readers must agree, and accuracy is far above chance (1/3).
Only the public MXNet 1.x API is used (``pack_img`` needs OpenCV's cv2 on MXNet 1.9.1).
"""
import argparse
import logging
import os

import numpy as np

import mxnet as mx

CLASSES = ["circle", "square", "triangle"]
MEAN = (110.0, 110.0, 110.0)
STD = (60.0, 60.0, 60.0)


def draw_shape(rng, label, size):
    """An HxWx3 uint8 RGB image with one shape of class ``label`` on a noisy background."""
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
    r = rng.uniform(0.22, 0.35) * size
    cx, cy = rng.uniform(r + 1, size - r - 1, size=2)
    if label == 0:
        mask = (xx - cx) ** 2 + (yy - cy) ** 2 <= r ** 2
    elif label == 1:
        mask = (np.abs(xx - cx) <= r * 0.85) & (np.abs(yy - cy) <= r * 0.85)
    else:
        top = cy - r
        mask = (yy >= top) & (yy <= cy + r) & (np.abs(xx - cx) <= (yy - top) * 0.6)
    background = rng.uniform(0, 90, size=3)
    colour = rng.uniform(130, 255, size=3)
    img = np.where(mask[..., None], colour, background) + rng.normal(0, 12, size=(size, size, 3))
    return np.clip(img, 0, 255).astype(np.uint8)


def write_rec(prefix, num_images, size, seed):
    """Pack ``num_images`` labelled PNGs into ``prefix.rec`` / ``prefix.idx``."""
    rng = np.random.RandomState(seed)
    record = mx.recordio.MXIndexedRecordIO(prefix + ".idx", prefix + ".rec", "w")
    for i in range(num_images):
        label = i % len(CLASSES)
        img = draw_shape(rng, label, size)
        header = mx.recordio.IRHeader(0, float(label), i, 0)
        # pack_img takes OpenCV's BGR channel order
        record.write_idx(i, mx.recordio.pack_img(header, img[:, :, ::-1], img_fmt=".png"))
    record.close()
    return prefix + ".rec", prefix + ".idx"


def get_cnn(num_classes):
    data = mx.sym.Variable("data")
    conv1 = mx.sym.Convolution(data=data, kernel=(3, 3), pad=(1, 1), num_filter=16, name="conv1")
    relu1 = mx.sym.Activation(data=conv1, act_type="relu", name="relu1")
    pool1 = mx.sym.Pooling(data=relu1, pool_type="max", kernel=(2, 2), stride=(2, 2), name="pool1")
    conv2 = mx.sym.Convolution(data=pool1, kernel=(3, 3), pad=(1, 1), num_filter=32, name="conv2")
    relu2 = mx.sym.Activation(data=conv2, act_type="relu", name="relu2")
    pool2 = mx.sym.Pooling(data=relu2, pool_type="max", kernel=(2, 2), stride=(2, 2), name="pool2")
    flat = mx.sym.Flatten(data=pool2)
    fc1 = mx.sym.FullyConnected(data=flat, num_hidden=64, name="fc1")
    relu3 = mx.sym.Activation(data=fc1, act_type="relu", name="relu3")
    fc2 = mx.sym.FullyConnected(data=relu3, num_hidden=num_classes, name="fc2")
    return mx.sym.SoftmaxOutput(data=fc2, name="softmax")


def get_parser():
    parser = argparse.ArgumentParser(description="RecordIO image pipeline on synthetic shapes",
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--work-dir", type=str, default="shapes_data", help="where the .rec/.idx files go")
    parser.add_argument("--num-train", type=int, default=360, help="training images")
    parser.add_argument("--num-val", type=int, default=120, help="validation images")
    parser.add_argument("--image-size", type=int, default=24, help="image height and width")
    parser.add_argument("--num-epochs", type=int, default=8, help="epochs")
    parser.add_argument("--batch-size", type=int, default=30, help="batch size")
    parser.add_argument("--lr", type=float, default=0.01, help="learning rate (sgd, momentum 0.9)")
    parser.add_argument("--disp-batches", type=int, default=100, help="Speedometer period in batches")
    parser.add_argument("--reuse-rec", action="store_true",
                        help="use the .rec/.idx files already in --work-dir instead of writing them")
    return parser


def main(argv=None):
    args = get_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    mx.random.seed(7)
    np.random.seed(7)
    os.makedirs(args.work_dir, exist_ok=True)
    size = args.image_size
    train_prefix, val_prefix = os.path.join(args.work_dir, "train"), os.path.join(args.work_dir, "val")
    if args.reuse_rec:
        train_rec, train_idx = train_prefix + ".rec", train_prefix + ".idx"
        val_rec, val_idx = val_prefix + ".rec", val_prefix + ".idx"
    else:
        train_rec, train_idx = write_rec(train_prefix, args.num_train, size, seed=1)
        val_rec, val_idx = write_rec(val_prefix, args.num_val, size, seed=2)
        print("wrote %d + %d PNG records to %s" % (args.num_train, args.num_val, args.work_dir))

    data_shape = (3, size, size)
    norm = dict(mean_r=MEAN[0], mean_g=MEAN[1], mean_b=MEAN[2], std_r=STD[0], std_g=STD[1], std_b=STD[2])
    train = mx.io.ImageRecordIter(path_imgrec=train_rec, data_shape=data_shape, batch_size=args.batch_size,
                                  shuffle=True, rand_mirror=True, **norm)
    val = mx.io.ImageRecordIter(path_imgrec=val_rec, data_shape=data_shape, batch_size=args.batch_size, **norm)

    mod = mx.mod.Module(get_cnn(len(CLASSES)), context=mx.cpu())
    mod.fit(train, eval_data=val, eval_metric="acc", optimizer="sgd",
            optimizer_params={"learning_rate": args.lr, "momentum": 0.9, "wd": 1e-4},
            initializer=mx.init.Xavier(rnd_type="gaussian", factor_type="in", magnitude=2),
            num_epoch=args.num_epochs,
            batch_end_callback=mx.callback.Speedometer(args.batch_size, args.disp_batches))
    rec_acc = dict(mod.score(val, mx.metric.Accuracy()))["accuracy"]

    # the same validation records through the Python-side ImageIter and its augmenters
    augs = mx.image.CreateAugmenter(data_shape, rand_mirror=False,
                                    mean=np.array(MEAN, dtype=np.float32), std=np.array(STD, dtype=np.float32))
    image_iter = mx.image.ImageIter(args.batch_size, data_shape, path_imgrec=val_rec, path_imgidx=val_idx,
                                    aug_list=augs)
    batch = next(iter(image_iter))
    print("ImageIter batch: data %s, labels %s" % (batch.data[0].shape, batch.label[0].asnumpy()[:6]))
    image_iter.reset()
    iter_acc = dict(mod.score(image_iter, mx.metric.Accuracy()))["accuracy"]
    print("validation accuracy: ImageRecordIter %.4f, ImageIter %.4f (chance %.4f)"
          % (rec_acc, iter_acc, 1.0 / len(CLASSES)))
    return rec_acc, iter_acc


if __name__ == "__main__":
    main()
