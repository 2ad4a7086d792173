"""Realistic student bugs for assignment 4 (a character-level language model in PyTorch), and
correct answers written differently from the instructor's, as test data.

Each entry is the whole solution cell as a student would write it. The test
(../test_nbgrader_assignments.py) plants each one in the instructor's solution and autogrades
all of them in one nbgrader run: for each of ``BUGS`` the bug's task must lose points, the other
tasks keep all of theirs, and the feedback name the function; each of ``CORRECT`` must score full
marks (the tests are not stricter than the instructions).
"""
from .assignment1 import Bug, Correct

MODEL = '''class CharLSTM({base}):
    """A character-level language model: embedding, one-layer LSTM, linear output layer."""

    def __init__(self, vocab_size, embed_size, hidden_size):
        super().__init__()
{init}

    def forward(self, x, state=None):
{forward}'''
INIT = '''        self.embed = nn.Embedding(vocab_size, embed_size)
        self.lstm = nn.LSTM(embed_size, hidden_size)
        self.head = nn.Linear(hidden_size, vocab_size)'''
FORWARD = '''        out, state = self.lstm(self.embed(x), state)
        return self.head(out), state'''

EPOCH = '''def train_epoch(model, ids, optimizer, batch_size, seq_len, clip=1.0):
{}'''
EVALUATE = '''def evaluate(model, ids, batch_size, seq_len):
{}'''
TRAIN = '''def train_model(train_ids, vocab_size, seed=0):
{}'''

_M, _E, _V, _T = ("task4_1_CharLSTM", "task4_2_train_epoch", "task4_3_evaluate", "task4_4_train_model")


def _model(name, init=INIT, forward=FORWARD, base="nn.Module", kind=Bug):
    return kind(_M, name, MODEL.format(base=base, init=init.strip("\n"), forward=forward.strip("\n")))


def _epoch_body(*, train="    model.train()\n", detach="            state = tuple(s.detach() for s in state)\n",
                forward="        logits, state = model(x, state)\n",
                loss="        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))\n",
                update=("        optimizer.zero_grad()\n        loss.backward()\n"
                        "        nn.utils.clip_grad_norm_(model.parameters(), clip)\n        optimizer.step()\n"),
                tally="        total += loss.item() * y.numel()\n        count += y.numel()\n",
                result="    return total / count\n"):
    return (train + "    state, total, count = None, 0.0, 0\n"
            "    for x, y in bptt_batches(ids, batch_size, seq_len):\n"
            "        x, y = torch.from_numpy(x), torch.from_numpy(y)\n"
            "        if state is not None:\n" + (detach or "            pass\n")
            + forward + loss + update + tally + result)


def _epoch(name, kind=Bug, **parts):
    return kind(_E, name, EPOCH.format(_epoch_body(**parts).rstrip("\n")))


def _eval_body(*, mode="    model.eval()\n", context="    with torch.no_grad():\n",
               forward="            logits, state = model(x, state)\n",
               loss=("            total += F.cross_entropy(logits.reshape(-1, logits.shape[-1]), "
                     "y.reshape(-1), reduction=\"sum\").item()\n"
                     "            count += y.numel()\n"),
               result="    loss = total / count\n    return loss, math.exp(loss)\n"):
    return (mode + "    state, total, count = None, 0.0, 0\n" + context
            + "        for x, y in bptt_batches(ids, batch_size, seq_len):\n"
            "            x, y = torch.from_numpy(x), torch.from_numpy(y)\n"
            + forward + loss + result)


def _eval(name, kind=Bug, **parts):
    return kind(_V, name, EVALUATE.format(_eval_body(**parts).rstrip("\n")))


def _train(name, body, kind=Bug):
    return kind(_T, name, TRAIN.format(body.strip("\n")))


_SOLUTION_TRAIN = '''
    torch.manual_seed(seed)
    model = CharLSTM(vocab_size, 32, 128)
    optimizer = torch.optim.Adam(model.parameters(), lr={lr})
    for epoch in range({epochs}):
        train_epoch(model, {ids}, optimizer, batch_size=32, seq_len=64, clip=1.0)
    return {returned}'''


def _train_like_solution(name, lr="0.005", epochs=3, ids="train_ids", returned="model"):
    return _train(name, _SOLUTION_TRAIN.format(lr=lr, epochs=epochs, ids=ids, returned=returned))


BUGS = [
    # Task 4.1: the model
    _model("model-state-ignored", forward='''
        out, state = self.lstm(self.embed(x))
        return self.head(out), state'''),
    _model("model-returns-input-state", forward='''
        out, _ = self.lstm(self.embed(x), state)
        return self.head(out), state'''),
    _model("model-softmax-output", forward='''
        out, state = self.lstm(self.embed(x), state)
        return torch.softmax(self.head(out), dim=-1), state'''),
    _model("model-log-softmax-output", forward='''
        out, state = self.lstm(self.embed(x), state)
        return F.log_softmax(self.head(out), dim=-1), state'''),
    _model("model-batch-first-lstm", init='''
        self.embed = nn.Embedding(vocab_size, embed_size)
        self.lstm = nn.LSTM(embed_size, hidden_size, batch_first=True)
        self.head = nn.Linear(hidden_size, vocab_size)'''),
    _model("model-last-step-only", forward='''
        out, state = self.lstm(self.embed(x), state)
        return self.head(out[-1]), state'''),
    _model("model-head-on-final-state", forward='''
        out, (h, c) = self.lstm(self.embed(x), state)
        return self.head(h), (h, c)'''),
    _model("model-two-layers", init='''
        self.embed = nn.Embedding(vocab_size, embed_size)
        self.lstm = nn.LSTM(embed_size, hidden_size, num_layers=2)
        self.head = nn.Linear(hidden_size, vocab_size)'''),
    Bug(_M, "model-subclasses-rnnlib", '''from rnnlib.models import CharLM


class CharLSTM(CharLM):
    """The course library's model under another name."""

    def __init__(self, vocab_size, embed_size, hidden_size):
        super().__init__(vocab_size, embed_size, hidden_size)
        self.embed = nn.Embedding(vocab_size, embed_size)
        self.lstm = nn.LSTM(embed_size, hidden_size)
        self.head = nn.Linear(hidden_size, vocab_size)

    def forward(self, x, state=None):
        out, state = self.lstm(self.embed(x), state)
        return self.head(out), state'''),

    # Task 4.2: one epoch of truncated BPTT
    _epoch("epoch-targets-not-shifted",
           loss="        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), x.reshape(-1))\n"),
    _epoch("epoch-state-not-detached", detach=None),
    _epoch("epoch-state-not-detached-retain-graph", detach=None,
           update=("        optimizer.zero_grad()\n        loss.backward(retain_graph=True)\n"
                   "        nn.utils.clip_grad_norm_(model.parameters(), clip)\n        optimizer.step()\n")),
    _epoch("epoch-state-reset-every-chunk", forward="        logits, state = model(x)\n"),
    _epoch("epoch-no-zero-grad",
           update=("        loss.backward()\n"
                   "        nn.utils.clip_grad_norm_(model.parameters(), clip)\n        optimizer.step()\n")),
    _epoch("epoch-no-clipping",
           update="        optimizer.zero_grad()\n        loss.backward()\n        optimizer.step()\n"),
    _epoch("epoch-clips-each-value",
           update=("        optimizer.zero_grad()\n        loss.backward()\n"
                   "        nn.utils.clip_grad_value_(model.parameters(), clip)\n        optimizer.step()\n")),
    _epoch("epoch-zero-grad-before-step",
           update=("        loss.backward()\n        nn.utils.clip_grad_norm_(model.parameters(), clip)\n"
                   "        optimizer.zero_grad()\n        optimizer.step()\n")),
    _epoch("epoch-summed-loss",
           loss=("        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1),"
                 " reduction=\"sum\")\n"),
           tally="        total += loss.item()\n        count += y.numel()\n"),
    _epoch("epoch-loss-on-time-major-logits",
           loss="        loss = F.cross_entropy(logits, y)\n"),
    _epoch("epoch-no-train-mode", train=""),
    _epoch("epoch-plain-mean-of-chunk-losses",
           tally="        total += loss.item()\n        count += 1\n"),
    _epoch("epoch-calls-rnnlib-training", kind=Bug, train=(
        "    from rnnlib.training import detach_state\n    model.train()\n"),
           detach="            state = detach_state(state)\n"),

    # Task 4.3: evaluation
    _eval("eval-exp-of-summed-loss", result="    loss = total / count\n    return loss, math.exp(total)\n"),
    _eval("eval-two-to-the-loss", result="    loss = total / count\n    return loss, 2 ** loss\n"),
    _eval("eval-loss-in-bits", result=("    loss = total / count / math.log(2)\n"
                                       "    return loss, 2 ** loss\n")),
    _eval("eval-train-mode", mode=""),
    Bug(_V, "eval-with-gradients", '''def evaluate(model, ids, batch_size, seq_len):
    model.eval()
    state, total, count = None, 0.0, 0
    for x, y in bptt_batches(ids, batch_size, seq_len):
        x, y = torch.from_numpy(x), torch.from_numpy(y)
        logits, state = model(x, state)
        total += F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1), reduction="sum").item()
        count += y.numel()
    loss = total / count
    return loss, math.exp(loss)'''),
    _eval("eval-state-reset-every-chunk", forward="            logits, state = model(x)\n"),
    _eval("eval-targets-not-shifted",
          loss=("            total += F.cross_entropy(logits.reshape(-1, logits.shape[-1]), "
                "x.reshape(-1), reduction=\"sum\").item()\n            count += y.numel()\n")),
    _eval("eval-plain-mean-of-chunk-losses",
          loss=("            total += F.cross_entropy(logits.reshape(-1, logits.shape[-1]), "
                "y.reshape(-1)).item()\n            count += 1\n")),

    # Task 4.4: the trained model
    _train("train-never-trains", '''
    torch.manual_seed(seed)
    model = CharLSTM(vocab_size, 32, 128)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.005)
    return model'''),
    _train_like_solution("train-one-epoch", epochs=1),
    _train_like_solution("train-learning-rate-too-small", lr="1e-5", epochs=1),
    _train_like_solution("train-learning-rate-too-high", lr="0.5"),
    _train_like_solution("train-on-a-small-slice", ids="train_ids[:3000]"),
    _train_like_solution("train-returns-a-fresh-model", epochs=1, returned="CharLSTM(vocab_size, 32, 128)"),
    _train("train-optimizer-of-another-model", '''
    torch.manual_seed(seed)
    optimizer = torch.optim.Adam(CharLSTM(vocab_size, 32, 128).parameters(), lr=0.005)
    model = CharLSTM(vocab_size, 32, 128)
    train_epoch(model, train_ids, optimizer, batch_size=32, seq_len=64, clip=1.0)
    return model'''),
    _train("train-vocab-size-guessed", '''
    torch.manual_seed(seed)
    model = CharLSTM(96, 32, 128)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.005)
    train_epoch(model, train_ids, optimizer, batch_size=32, seq_len=64, clip=1.0)
    return model'''),
]

CORRECT = [
    _model("correct-model-explicit-zero-state", kind=Correct, init='''
        self.embed = nn.Embedding(vocab_size, embed_size)
        self.lstm = nn.LSTM(input_size=embed_size, hidden_size=hidden_size, num_layers=1, batch_first=False)
        self.head = nn.Linear(hidden_size, vocab_size)''', forward='''
        T, B = x.shape
        if state is None:
            H = self.lstm.hidden_size
            state = (torch.zeros(1, B, H), torch.zeros(1, B, H))
        out, (h, c) = self.lstm(self.embed(x), state)
        logits = torch.stack([self.head(out[t]) for t in range(T)])
        return logits, (h, c)'''),
    Correct(_E, "correct-epoch-other-style", '''def train_epoch(model, ids, optimizer, batch_size, seq_len, clip=1.0):
    model.train()
    h = None
    losses, sizes = [], []
    for x_np, y_np in bptt_batches(ids, batch_size, seq_len):
        x, y = torch.as_tensor(x_np), torch.as_tensor(y_np)
        if h is not None:
            h = (h[0].detach(), h[1].detach())
        logits, h = model(x, h)
        loss = F.cross_entropy(logits.flatten(0, 1), y.flatten())
        model.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=clip)
        optimizer.step()
        losses.append(loss.item())
        sizes.append(y.numel())
    return float(np.average(losses, weights=sizes))'''),
    _train("correct-train-other-settings", '''
    torch.manual_seed(seed)
    net = CharLSTM(vocab_size=vocab_size, embed_size=16, hidden_size=96)
    adam = torch.optim.Adam(net.parameters(), lr=1e-2)
    history = []
    while len(history) < 4:
        history.append(train_epoch(net, train_ids, adam, 64, 100))
    return net''', kind=Correct),
    Correct(_V, "correct-evaluate-other-style", '''def evaluate(model, ids, batch_size, seq_len):
    model.eval()
    state, nll, n = None, [], []
    with torch.inference_mode():
        for x, y in bptt_batches(ids, batch_size, seq_len):
            logits, state = model(torch.as_tensor(x), state)
            log_p = torch.log_softmax(logits, dim=-1)                       # (T, B, K)
            picked = log_p.gather(-1, torch.as_tensor(y)[..., None])        # (T, B, 1)
            nll.append(-picked.sum().item())
            n.append(y.size)
    loss = sum(nll) / sum(n)
    return float(loss), float(np.exp(loss))'''),
]
