using System;
using System.Linq;
using System.Numerics.Tensors;
using GradGen.Samples.TinyGpt;
using TorchSharp;
using static TorchSharp.torch;

namespace GradGen.Benchmarks;

/// <summary>
/// The TinyGpt sample's GPT-2 written for LibTorch autograd through TorchSharp, op for op, with weights copied from a
/// GradGen <see cref="Gpt"/>: matrices stored [in, out] and used as x·W, tied logits x·wteᵀ, LayerNorm with ε = 1e-5,
/// tanh-approximated GELU, causal softmax of q·kᵀ/√hs (masked scores set to −∞ before the softmax).
/// </summary>
internal sealed class TorchGpt
{
    private readonly int _vocabulary, _channels, _heads;
    private readonly torch.Tensor _wte, _wpe, _lnfW, _lnfB;
    private readonly TorchBlock[] _blocks;
    private readonly torch.Tensor _mask;                                             // [T, T], true above the diagonal
    private readonly torch.Tensor _tokens, _targets;                                 // [B, T] and [B·T]
    private readonly int _batch, _sequence;

    /// <summary>Copies the weights of <paramref name="model"/> and the token ids; gradients accumulate in each leaf's <c>grad</c>.</summary>
    public TorchGpt(Gpt model, int[] tokens, int[] targets, int B, int T)
    {
        (_vocabulary, _channels, _heads, _batch, _sequence) = (model.Vocabulary, model.Channels, model.Heads, B, T);
        _wte = Leaf(model.Wte);
        _wpe = Leaf(model.Wpe);
        _blocks = model.Blocks.Select(b => new TorchBlock(b)).ToArray();
        _lnfW = Leaf(model.LnfW);
        _lnfB = Leaf(model.LnfB);
        _mask = torch.ones(T, T, dtype: ScalarType.Bool).triu(1);
        _tokens = torch.tensor(Array.ConvertAll(tokens, t => (long)t), new long[] { B, T });
        _targets = torch.tensor(Array.ConvertAll(targets, t => (long)t), new long[] { B * T });
    }

    /// <summary>Every weight, in the order of <see cref="Parameters.Leaves{T}"/> on the GradGen model.</summary>
    public torch.Tensor[] Parameters => new[] { _wte, _wpe }.Concat(_blocks.SelectMany(b => b.Parameters)).Concat(new[] { _lnfW, _lnfB }).ToArray();

    /// <summary>One training step: gradients zeroed, forward, backward. Returns the mean cross-entropy.</summary>
    public float Step()
    {
        using var scope = torch.NewDisposeScope();
        foreach (var p in Parameters) p.grad?.zero_();
        var loss = Loss();
        loss.backward();
        return loss.item<float>();
    }

    /// <summary>The forward pass alone under <c>torch.no_grad()</c> (inference, as a LibTorch user evaluates).</summary>
    public float ForwardNoGrad()
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        return Loss().item<float>();
    }

    private torch.Tensor Loss()
    {
        int B = _batch, T = _sequence, C = _channels;
        var x = _wte.index_select(0, _tokens.view(-1)).view(B, T, C) + _wpe.narrow(0, 0, T);
        foreach (var block in _blocks) x = block.Forward(x, _mask, _heads);
        x = torch.nn.functional.layer_norm(x, new long[] { C }, _lnfW, _lnfB, 1e-5);
        var logits = x.matmul(_wte.t());                                             // [B, T, V]
        return torch.nn.functional.cross_entropy(logits.view(B * T, _vocabulary), _targets);
    }

    /// <summary>A leaf tensor (requires_grad) holding a copy of a GradGen tensor's values, same shape.</summary>
    internal static torch.Tensor Leaf(Tensor<float> source)
    {
        var values = new float[source.FlattenedLength];
        source.FlattenTo(values);
        return torch.tensor(values, source.Lengths.ToArray().Select(n => (long)n).ToArray(), requires_grad: true);
    }

    private sealed class TorchBlock
    {
        public TorchBlock(Block b)
        {
            Ln1W = Leaf(b.Ln1W); Ln1B = Leaf(b.Ln1B);
            Wqkv = Leaf(b.Wqkv); Bqkv = Leaf(b.Bqkv);
            Wproj = Leaf(b.Wproj); Bproj = Leaf(b.Bproj);
            Ln2W = Leaf(b.Ln2W); Ln2B = Leaf(b.Ln2B);
            Wfc = Leaf(b.Wfc); Bfc = Leaf(b.Bfc);
            Wfcproj = Leaf(b.Wfcproj); Bfcproj = Leaf(b.Bfcproj);
        }

        public torch.Tensor Ln1W { get; }
        public torch.Tensor Ln1B { get; }
        public torch.Tensor Wqkv { get; }
        public torch.Tensor Bqkv { get; }
        public torch.Tensor Wproj { get; }
        public torch.Tensor Bproj { get; }
        public torch.Tensor Ln2W { get; }
        public torch.Tensor Ln2B { get; }
        public torch.Tensor Wfc { get; }
        public torch.Tensor Bfc { get; }
        public torch.Tensor Wfcproj { get; }
        public torch.Tensor Bfcproj { get; }

        /// <summary>In the declaration order of <see cref="Block"/>'s properties.</summary>
        public torch.Tensor[] Parameters => new[] { Ln1W, Ln1B, Wqkv, Bqkv, Wproj, Bproj, Ln2W, Ln2B, Wfc, Bfc, Wfcproj, Bfcproj };

        public torch.Tensor Forward(torch.Tensor x, torch.Tensor mask, int NH)
        {
            long B = x.shape[0], T = x.shape[1], C = x.shape[2], hs = C / NH;
            var h = torch.nn.functional.layer_norm(x, new[] { C }, Ln1W, Ln1B, 1e-5);
            var qkv = h.matmul(Wqkv) + Bqkv;                                         // [B, T, 3C]
            var q = qkv.narrow(2, 0, C).view(B, T, NH, hs).transpose(1, 2);         // [B, NH, T, hs]
            var k = qkv.narrow(2, C, C).view(B, T, NH, hs).transpose(1, 2);
            var v = qkv.narrow(2, 2 * C, C).view(B, T, NH, hs).transpose(1, 2);
            var scores = q.matmul(k.transpose(2, 3)) * (1.0 / Math.Sqrt(hs));       // [B, NH, T, T]
            var att = scores.masked_fill(mask, float.NegativeInfinity).softmax(-1);
            var y = att.matmul(v).transpose(1, 2).reshape(B, T, C);                 // heads concatenated
            var residual = x + y.matmul(Wproj) + Bproj;
            h = torch.nn.functional.layer_norm(residual, new[] { C }, Ln2W, Ln2B, 1e-5);
            var fc = (h.matmul(Wfc) + Bfc).gelu(TorchSharp.Modules.GELU.Approximate.tanh);
            return residual + fc.matmul(Wfcproj) + Bfcproj;
        }
    }
}
