using System;
using System.Collections.Generic;
using System.Numerics;
using System.Numerics.Tensors;

namespace GradGen;

/// <summary>
/// Adam with decoupled weight decay (Loshchilov &amp; Hutter; as PyTorch's <c>torch.optim.AdamW</c> and llm.c's
/// <c>gpt2_update</c>), over a fixed list of parameter tensors updated in place. It keeps two moment tensors per
/// parameter; a step allocates nothing (gradients that are strided views excepted: each is copied dense first) and makes one pass
/// over each element.
/// </summary>
/// <remarks>
/// At step t (counting from 1), for every parameter p with gradient g, element-wise:
/// <code>
/// m ← β₁ m + (1 − β₁) g          v ← β₂ v + (1 − β₂) g²
/// m̂ = m / (1 − β₁ᵗ)               v̂ = v / (1 − β₂ᵗ)
/// p ← p − lr · (m̂ / (√v̂ + ε) + λ p)
/// </code>
/// The decay λ p uses the parameter before the step and is not scaled by the moments (it is decoupled from the gradient).
/// </remarks>
/// <typeparam name="T">float or double.</typeparam>
public sealed class AdamW<T> where T : IFloatingPointIeee754<T>
{
    private const string Name = "AdamW";
    private readonly Tensor<T>[] _parameters;
    private readonly T[][] _m;
    private readonly T[][] _v;
    private readonly AdamWUpdate<T> _update;

    /// <summary>Creates the optimizer for <paramref name="parameters"/>, with zero moments.</summary>
    /// <param name="parameters">The tensors to update, each dense (they are updated in place). The list is copied.</param>
    /// <param name="learningRate">lr; may be changed between steps through <see cref="LearningRate"/> (schedules).</param>
    /// <param name="beta1">β₁, the decay of the first moment.</param>
    /// <param name="beta2">β₂, the decay of the second moment.</param>
    /// <param name="epsilon">ε, added to √v̂.</param>
    /// <param name="weightDecay">λ, the decoupled weight decay.</param>
    /// <exception cref="ArgumentException">A parameter is not dense, or appears twice.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A hyper-parameter is out of range (β outside [0, 1), negative lr, ε or λ).</exception>
    public AdamW(IReadOnlyList<Tensor<T>> parameters, double learningRate = 1e-3, double beta1 = 0.9, double beta2 = 0.999,
                 double epsilon = 1e-8, double weightDecay = 0.01)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (!(beta1 >= 0 && beta1 < 1)) throw new ArgumentOutOfRangeException(nameof(beta1), beta1, $"{Name}: beta1 must be in [0, 1).");
        if (!(beta2 >= 0 && beta2 < 1)) throw new ArgumentOutOfRangeException(nameof(beta2), beta2, $"{Name}: beta2 must be in [0, 1).");
        if (!(epsilon >= 0)) throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, $"{Name}: epsilon must be non-negative.");
        if (!(weightDecay >= 0)) throw new ArgumentOutOfRangeException(nameof(weightDecay), weightDecay, $"{Name}: weightDecay must be non-negative.");
        LearningRate = learningRate;
        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
        WeightDecay = weightDecay;
        _parameters = new Tensor<T>[parameters.Count];
        _m = new T[parameters.Count][];
        _v = new T[parameters.Count][];
        var seen = new HashSet<Tensor<T>>(ReferenceEqualityComparer.Instance);
        for (int i = 0; i < _parameters.Length; i++)
        {
            Tensor<T> p = parameters[i] ?? throw new ArgumentNullException(nameof(parameters), $"{Name}: parameter {i} is null.");
            if (!p.IsDense) throw new ArgumentException($"{Name}: parameter {i} {TensorShape.Format(p)} is a strided view; parameters are updated in place and must be dense.", nameof(parameters));
            if (!seen.Add(p)) throw new ArgumentException($"{Name}: parameter {i} {TensorShape.Format(p)} appears twice in the list.", nameof(parameters));
            _parameters[i] = p;
            _m[i] = new T[p.FlattenedLength];
            _v[i] = new T[p.FlattenedLength];
        }
        _update = new AdamWUpdate<T>(_parameters, _m, _v);
    }

    /// <summary>lr, the step size; set it between steps for a schedule.</summary>
    public double LearningRate
    {
        get;
        set => field = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, $"{Name}: the learning rate must be non-negative.");
    }

    /// <summary>β₁, the decay of the first moment.</summary>
    public double Beta1 { get; }

    /// <summary>β₂, the decay of the second moment.</summary>
    public double Beta2 { get; }

    /// <summary>ε, added to √v̂ in the denominator.</summary>
    public double Epsilon { get; }

    /// <summary>λ, the decoupled weight decay.</summary>
    public double WeightDecay { get; }

    /// <summary>The number of steps taken so far (t of the last step).</summary>
    public int Steps { get; private set; }

    /// <summary>The parameters, in the order given to the constructor.</summary>
    public IReadOnlyList<Tensor<T>> Parameters => _parameters;

    /// <summary>
    /// Takes one step: updates every parameter in place from its gradient (the same order and shapes as
    /// <see cref="Parameters"/>; gradients may be strided views).
    /// </summary>
    /// <param name="gradients">One gradient per parameter.</param>
    /// <exception cref="ArgumentException">The count or a shape differs from the parameters'.</exception>
    /// <remarks>
    /// The update runs on the calling thread: it is one memory-bound pass, and over both cores it was slower on the
    /// machine it was measured on (AMD EPYC, 2 cores, shared: GPT-2-small's 124 M parameters 161 ms on one thread, 240 ms
    /// on two; <c>--interleaved-adamw</c>, docs/performance.md).
    /// </remarks>
    public void Step(IReadOnlyList<Tensor<T>> gradients) => Step(gradients, parallel: false);

    /// <summary>As <see cref="Step(IReadOnlyList{Tensor{T}})"/>; <paramref name="parallel"/> splits the update over <see cref="WorkerPool"/> (same results bit for bit).</summary>
    internal void Step(IReadOnlyList<Tensor<T>> gradients, bool parallel)
    {
        ArgumentNullException.ThrowIfNull(gradients);
        if (gradients.Count != _parameters.Length)
        {
            throw new ArgumentException($"{Name}.Step: {gradients.Count} gradients for {_parameters.Length} parameters.", nameof(gradients));
        }
        Tensor<T>[] dense = _update.Gradients;
        for (int i = 0; i < _parameters.Length; i++)
        {
            Tensor<T> g = gradients[i] ?? throw new ArgumentNullException(nameof(gradients), $"{Name}.Step: gradient {i} is null.");
            // The message is built only on failure: a warm step allocates nothing.
            if (!TensorShape.SameShape(_parameters[i].Lengths, g.Lengths)) RejectShape(i, g);
        }
        for (int i = 0; i < dense.Length; i++) dense[i] = Dense.Materialize(gradients[i]);
        int t = ++Steps;
        double correction1 = 1 - Math.Pow(Beta1, t), correction2 = 1 - Math.Pow(Beta2, t);
        _update.B1 = T.CreateChecked(Beta1);
        _update.B2 = T.CreateChecked(Beta2);
        _update.OneMinusB1 = T.CreateChecked(1 - Beta1);
        _update.OneMinusB2 = T.CreateChecked(1 - Beta2);
        _update.Decay = T.CreateChecked(1 - LearningRate * WeightDecay);
        _update.StepSize = T.CreateChecked(-LearningRate / correction1);
        _update.InverseCorrection2 = T.CreateChecked(1 / correction2);
        _update.Epsilon = T.CreateChecked(Epsilon);
        try
        {
            _update.Run(parallel);
        }
        finally
        {
            Array.Clear(dense);
        }
    }

    private void RejectShape(int i, Tensor<T> gradient) =>
        TensorShape.RequireSameShape($"{Name}.Step", $"parameter {i}", _parameters[i].Lengths, $"gradient {i}", gradient.Lengths);
}
