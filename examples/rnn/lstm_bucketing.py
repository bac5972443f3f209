"""MXNet's classic bucketing LSTM language model, on a synthetic corpus from a tiny grammar.

    python examples/rnn/lstm_bucketing.py --num-epochs 5

The program is MXNet's example/rnn/bucketing/lstm_bucketing.py: sentences are encoded with
``mx.rnn.encode_sentences``, batched by length with ``mx.rnn.BucketSentenceIter``, and a stack of
``mx.rnn.LSTMCell`` (``mx.rnn.SequentialRNNCell``) is unrolled per bucket inside a
``mx.mod.BucketingModule``, trained with ``fit`` against the ``Perplexity`` metric and
checkpointed with ``mx.rnn.do_rnn_checkpoint``. Instead of the Penn Treebank (a download) the
corpus comes from a small random grammar, so the model has real structure to learn: its
validation perplexity falls far below the uniform baseline (the vocabulary size).
Only the public MXNet 1.x API is used, so the script runs unchanged on MXNet 1.9.1.
"""
import argparse
import logging
import math
import random

import mxnet as mx

DETS = ["the", "a"]
ADJS = ["big", "small", "red", "old"]
NOUNS = ["cat", "dog", "bird", "man", "child", "horse"]
VERBS = ["sees", "likes", "chases", "finds", "hears"]


def make_corpus(num_sentences, seed):
    """Sentences ``clause (and clause)* .`` with ``clause = det [adj] noun verb det [adj] noun``."""
    rng = random.Random(seed)

    def noun_phrase():
        words = [rng.choice(DETS)]
        if rng.random() < 0.5:
            words.append(rng.choice(ADJS))
        return words + [rng.choice(NOUNS)]

    corpus = []
    for _ in range(num_sentences):
        words = []
        for k in range(rng.choice([1, 1, 2, 2, 3])):
            if k:
                words.append("and")
            words += noun_phrase() + [rng.choice(VERBS)] + noun_phrase()
        corpus.append(words + ["."])
    return corpus


def get_parser():
    parser = argparse.ArgumentParser(description="Train an LSTM language model with bucketing",
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--num-layers", type=int, default=2, help="number of stacked LSTM layers")
    parser.add_argument("--num-hidden", type=int, default=64, help="hidden units per LSTM layer")
    parser.add_argument("--num-embed", type=int, default=32, help="embedding size")
    parser.add_argument("--num-sentences", type=int, default=1600, help="training sentences")
    parser.add_argument("--num-epochs", type=int, default=5, help="epochs")
    parser.add_argument("--lr", type=float, default=0.01, help="learning rate (adam)")
    parser.add_argument("--batch-size", type=int, default=32, help="batch size")
    parser.add_argument("--disp-batches", type=int, default=50, help="Speedometer period in batches")
    parser.add_argument("--model-prefix", type=str, default=None,
                        help="save the cells' parameters with do_rnn_checkpoint under this prefix")
    parser.add_argument("--seed", type=int, default=1, help="random seed")
    return parser


def main(argv=None):
    args = get_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    mx.random.seed(args.seed)
    random.seed(args.seed)

    buckets = [10, 20, 30]
    start_label = 1
    invalid_label = 0
    train_sent, vocab = mx.rnn.encode_sentences(make_corpus(args.num_sentences, args.seed),
                                                invalid_label=invalid_label, start_label=start_label)
    val_sent, _ = mx.rnn.encode_sentences(make_corpus(args.num_sentences // 4, args.seed + 1), vocab=vocab,
                                          invalid_label=invalid_label, start_label=start_label)
    vocab_size = len(vocab) + start_label      # ids start at 1; 0 is the padding label
    data_train = mx.rnn.BucketSentenceIter(train_sent, args.batch_size, buckets=buckets,
                                           invalid_label=invalid_label)
    data_val = mx.rnn.BucketSentenceIter(val_sent, args.batch_size, buckets=buckets,
                                         invalid_label=invalid_label)

    stack = mx.rnn.SequentialRNNCell()
    for i in range(args.num_layers):
        stack.add(mx.rnn.LSTMCell(num_hidden=args.num_hidden, prefix="lstm_l%d_" % i))

    def sym_gen(seq_len):
        data = mx.sym.Variable("data")
        label = mx.sym.Variable("softmax_label")
        embed = mx.sym.Embedding(data=data, input_dim=vocab_size, output_dim=args.num_embed, name="embed")
        stack.reset()
        outputs, states = stack.unroll(seq_len, inputs=embed, merge_outputs=True)
        pred = mx.sym.Reshape(outputs, shape=(-1, args.num_hidden))
        pred = mx.sym.FullyConnected(data=pred, num_hidden=vocab_size, name="pred")
        label = mx.sym.Reshape(label, shape=(-1,))
        pred = mx.sym.SoftmaxOutput(data=pred, label=label, name="softmax")
        return pred, ("data",), ("softmax_label",)

    model = mx.mod.BucketingModule(sym_gen=sym_gen, default_bucket_key=data_train.default_bucket_key,
                                   context=mx.cpu())
    epoch_end = [mx.rnn.do_rnn_checkpoint(stack, args.model_prefix, 1)] if args.model_prefix else None
    model.fit(train_data=data_train, eval_data=data_val,
              eval_metric=mx.metric.Perplexity(invalid_label),
              optimizer="adam", optimizer_params={"learning_rate": args.lr},
              initializer=mx.init.Xavier(factor_type="in", magnitude=2.34),
              num_epoch=args.num_epochs,
              batch_end_callback=mx.callback.Speedometer(args.batch_size, args.disp_batches),
              epoch_end_callback=epoch_end)

    ppl = dict(model.score(data_val, mx.metric.Perplexity(invalid_label)))["perplexity"]
    print("vocabulary size %d (uniform perplexity %.1f)" % (vocab_size - 1, vocab_size - 1))
    print("validation perplexity %.3f" % ppl)
    if args.model_prefix:
        # reload the last checkpoint into a fresh module for the longest bucket
        sym, arg_params, aux_params = mx.rnn.load_rnn_checkpoint(stack, args.model_prefix, args.num_epochs)
        print("reloaded %d parameter arrays from %s-%04d.params"
              % (len(arg_params), args.model_prefix, args.num_epochs))
    assert math.isfinite(ppl)
    return ppl


if __name__ == "__main__":
    main()
