using GradGen.Generators.Helpers;

namespace GradGen.Generators.Model;

/// <summary>What a value is: a differentiable scalar, a differentiable tensor, a differentiable container, or a passive value that only passes through.</summary>
internal enum ValueKind
{
    Scalar,
    Tensor,
    Passive,

    /// <summary>
    /// An array of tensors (or of weight objects) or a weight object: differentiable as a whole, its gradient is a container of
    /// the same type and shapes. Rules never apply to it; <see cref="OpKind.Element"/> and <see cref="OpKind.Member"/> read from it.
    /// </summary>
    Container,
}

/// <summary>The floating-point element type of a differentiable value.</summary>
internal enum ElementType
{
    Float,
    Double,
}

/// <summary>The type of an SSA value (named IrType so it does not shadow System.ValueType). <see cref="TypeName"/> is the fully qualified C# type as it is emitted.</summary>
internal readonly record struct IrType(ValueKind Kind, ElementType Element, string TypeName)
{
    public bool IsDifferentiable => Kind != ValueKind.Passive;
}

/// <summary>The operations of the IR. The rule table (<c>Differentiation/Rules.cs</c>) gives each its forward form and adjoints.</summary>
internal enum OpKind
{
    Parameter,

    /// <summary>
    /// <c>this</c> in an instance method of a weight type (<see cref="MethodModel.Self"/>): differentiable like a weight-object
    /// parameter, its gradient the generated forms' <c>dSelf</c>. It is in scope in every generated member (they are
    /// instance members too), so it is never recorded.
    /// </summary>
    This,
    Constant,
    Convert,
    Add,
    Subtract,
    Multiply,
    Divide,
    Negate,
    Exp,
    Log,
    Sqrt,
    Sin,
    Cos,
    Tanh,
    Pow,
    Abs,
    Max,
    Min,
    MatMul,

    /// <summary>
    /// <c>MatMul(a, b) + c</c> with c a row vector [N] added to every row: planning's fusion of a product and the bias
    /// added to it (no intermediate product), or a user's <c>Ops.MatMulBias</c>.
    /// </summary>
    MatMulBias,

    /// <summary><c>ReLU(MatMul(a, b) + c)</c>: planning's fusion of a <see cref="MatMulBias"/> and the ReLU of it, or a user's <c>Ops.MatMulBiasRelu</c>.</summary>
    MatMulBiasRelu,

    /// <summary><c>a·bᵀ</c> with b a matrix [N, K] read transposed in place: planning's fusion of <c>MatMul(a, Transpose(b))</c>, or a user's <c>Ops.MatMulTransposed</c>.</summary>
    MatMulTransposed,
    Transpose,
    Relu,
    Sigmoid,
    Square,
    Sum,
    Mean,
    Softmax,
    SoftmaxCrossEntropy,
    Gelu,

    /// <summary>
    /// <c>GELU(x + c)</c> with c a row vector [N] added to every row of x: planning's fusion of a bias and the GELU of it (after
    /// a product, <c>GELU(MatMul(a, b) + c)</c> keeps the product as x, taped for GELU′), or a user's <c>Ops.BiasGelu</c>.
    /// </summary>
    BiasGelu,
    LayerNorm,
    Embedding,
    CausalSoftmax,
    LogSoftmax,
    Reshape,
    TransposeAxes,
    Permute,
    Slice,

    /// <summary>
    /// <c>TransposeAxes(Reshape(Slice(x, axis, start, length), shape), R − 3, R − 2)</c> — the heads [.., NH, T, hs] of a slice
    /// [.., T, NH·hs]: planning's fusion of that chain (q, k, v out of a fused qkv projection), or a user's <c>Ops.SplitHeads</c>.
    /// </summary>
    SplitHeads,

    /// <summary>
    /// <c>Reshape(TransposeAxes(x, axis0, axis1), shape)</c> — heads [.., NH, T, hs] joined to [.., T, NH·hs]: planning's
    /// fusion of that chain (the attention output), or a user's <c>Ops.MergeHeads</c>.
    /// </summary>
    MergeHeads,

    /// <summary><c>Ops.Split(x, axis, n)</c>: an array of tensors (a <see cref="ValueKind.Container"/>) whose gradient is an array of the parts' gradients.</summary>
    Split,

    /// <summary><c>Ops.Concat(axis, parts)</c>: its operand <c>parts</c> is an array of tensors (a <see cref="ValueKind.Container"/>).</summary>
    Concat,
    Call,

    /// <summary>A passive value computed by the C# expression <see cref="Instruction.Template"/> over its operands (<c>{0}</c>, <c>{1}</c>, …).</summary>
    Passive,

    /// <summary>An element of an array: operands <c>[array, index]</c>. Its gradient is the same element of the array's gradient.</summary>
    Element,

    /// <summary>A member of a weight object: operand <c>[object]</c>, <see cref="Instruction.Template"/> the member name. Its gradient is the same member of the object's gradient.</summary>
    Member,

    /// <summary>
    /// An array of tensors this method builds from its operands (<c>new[] { q, k, v }</c>, the params array of
    /// <c>Ops.Concat(axis, q, k, v)</c>): the C# expression <see cref="Instruction.Template"/> over them. Its gradient is an
    /// array of zero tensors shaped like its elements; element k's gradient flows into operand k.
    /// </summary>
    Pack,

    /// <summary>
    /// An array of tensors this method creates empty (<c>new Tensor&lt;T&gt;[n]</c>, operand <c>[n]</c>) and fills with
    /// <see cref="Store"/>s, each element at most once (Lower checks it). Its gradient is an array of zero tensors shaped like its
    /// elements once filled; element i's gradient flows into the value stored there.
    /// </summary>
    NewArray,

    /// <summary>
    /// <c>array[index] = value</c> into a <see cref="NewArray"/>: operands <c>[array, index, value]</c>. Its gradient is the same
    /// element of the array's gradient (like <see cref="Element"/>), and flows into the value.
    /// </summary>
    Store,

    /// <summary>
    /// A counted loop <c>for (i = lo; i &lt; hi; i++)</c>: operands <c>[lo, hi, initial carried values…]</c>. Its body is the
    /// region of the instructions that follow it with <see cref="Instruction.Region"/> = its id: a <see cref="LoopIndex"/>,
    /// one <see cref="Carried"/> per carried value, the body, and a <see cref="Yield"/>. A loop that tests a condition each
    /// iteration (<c>while</c>, <c>do</c>, <c>break</c>, a <c>for</c> whose bound the body changes) has
    /// <see cref="Instruction.Condition"/> and/or <see cref="Instruction.Exit"/> set and <c>hi</c> = <c>lo</c>: its number of
    /// iterations is known only when it has run (the forward records it as the length of the loop's tape).
    /// </summary>
    For,

    /// <summary>The index of the enclosing loop's current iteration (passive).</summary>
    LoopIndex,

    /// <summary>Carried value number <see cref="Instruction.Index"/> at the start of an iteration.</summary>
    Carried,

    /// <summary>The end of a loop body: its operands are the carried values for the next iteration.</summary>
    Yield,

    /// <summary>Carried value number <see cref="Instruction.Index"/> after the last iteration of the loop (operand 0).</summary>
    LoopResult,

    /// <summary>
    /// A branch on a passive condition: operand <c>[condition]</c>. Its then-region holds the instructions with
    /// <see cref="Instruction.Region"/> = its id and ends with a <see cref="Yield"/> of the merged values; an
    /// <see cref="Else"/> follows it.
    /// </summary>
    If,

    /// <summary>The else-region of the <see cref="If"/> in operand 0, ending with a <see cref="Yield"/>.</summary>
    Else,

    /// <summary>Merged value number <see cref="Instruction.Index"/> of the <see cref="If"/> in operand 0: what the branch taken yielded.</summary>
    IfResult,
}

/// <summary>
/// One SSA instruction: <c>v[Id] = Op(v[Operands...])</c>. Parameters and constants are instructions too,
/// so every value is an instruction. <see cref="Name"/> is the readable name used in the emitted code.
/// </summary>
/// <param name="Constant">The value of a <see cref="OpKind.Constant"/>, as C# literal text without suffix.</param>
/// <param name="ParameterIndex">For <see cref="OpKind.Parameter"/>, the index of the forward parameter.</param>
/// <param name="Callee">For <see cref="OpKind.Call"/>, the called <c>[Differentiable]</c> method.</param>
/// <param name="Region">The loop or branch whose region holds this instruction (its id), or -1 for the method body.</param>
/// <param name="Template">The expression of a <see cref="OpKind.Passive"/> value, or the member name of a <see cref="OpKind.Member"/>.</param>
/// <param name="Index">Which carried value a <see cref="OpKind.Carried"/> or <see cref="OpKind.LoopResult"/> is.</param>
/// <param name="Condition">
/// For a <see cref="OpKind.For"/>: the passive boolean in its region tested at the top of every iteration (the loop stops
/// when it is false: <c>while (c)</c>, the <c>i &lt; hi</c> of a <c>for</c> whose bound the body changes), or -1.
/// </param>
/// <param name="Exit">
/// For a <see cref="OpKind.For"/>: the passive boolean in its region tested at the end of every iteration, after its values
/// are carried (the loop stops when it is true: a <c>break</c> taken, or a <c>do … while (c)</c>'s <c>!c</c>), or -1.
/// </param>
/// <param name="Fused">The planning rule that made this instruction out of others (its comment says which), or null.</param>
/// <param name="Shape">The tensor's shape as far as the compiler knows it (<c>[B, 784]</c>; see <c>ShapeInference</c>), or null when its rank is unknown.</param>
/// <param name="TensorOperator">
/// The user wrote System.Numerics.Tensors' operator (<c>a + b</c> between tensors), not <c>Ops.Add</c>: the forward calls
/// <c>Ops.OperatorAdd</c>, which refuses the shapes that operator broadcasts wrongly, so the forward equals the user's.
/// </param>
internal sealed record Instruction(
    int Id,
    OpKind Op,
    EquatableArray<int> Operands,
    IrType Type,
    string Name,
    string? Constant = null,
    int ParameterIndex = -1,
    CallTarget? Callee = null,
    int Region = -1,
    string? Template = null,
    int Index = -1,
    bool TensorOperator = false,
    int Condition = -1,
    int Exit = -1,
    string? Shape = null,
    string? Fused = null)
{
    /// <summary>A loop whose number of iterations is decided while it runs (<see cref="Condition"/> or <see cref="Exit"/>).</summary>
    public bool IsConditionalLoop => Op == OpKind.For && (Condition >= 0 || Exit >= 0);
}

/// <summary>A call to another <c>[Differentiable]</c> method: where its generated members live and which of its parameters are differentiable.</summary>
/// <param name="Receiver">
/// The emitted receiver: the global-qualified type for a static method, <c>this</c> for an instance method; for a
/// <paramref name="Self"/> call the receiver is operand 0 instead.
/// </param>
/// <param name="DifferentiableParameters">Per operand of the call: whether the callee takes a gradient for it.</param>
/// <param name="Self">
/// The callee is an instance method of a weight type (it differentiates with respect to <c>this</c>): the call's operand 0
/// is the instance it runs on — the caller's <c>this</c>, or any weight object (<c>layer.Apply(h)</c>) — the receiver of
/// its forward and pullback rather than an argument, and the callee's pullback takes ∂L/∂instance first.
/// </param>
/// <param name="Base">
/// The call is <c>base.F(…)</c>: it reaches the base type's body, not an override, so the base type's generated members
/// are called through <c>base</c> (for a <paramref name="Self"/> call too, whose instance is then the caller's <c>this</c>).
/// </param>
/// <param name="CustomPullback">
/// For a function with a registered derivative (<c>[DerivativeOf]</c>): the user's pullback, called with the arguments, the
/// result, the upstream gradient and the gradient buffers; the function itself runs as written (no tape of its own).
/// </param>
internal sealed record CallTarget(string Receiver, string Name, EquatableArray<bool> DifferentiableParameters, string TapeType, string? CustomPullback = null, bool Self = false, bool Base = false)
{
    /// <summary>The operands that are arguments of the forward call (all but a leading <c>this</c>).</summary>
    public int FirstArgument => Self ? 1 : 0;
}

/// <summary>A parameter of the forward method.</summary>
/// <param name="Differentiable">True when a gradient is produced for it (a float/double/tensor parameter without [NoGradient]).</param>
internal sealed record ParameterModel(string Name, IrType Type, bool Differentiable);

/// <summary>A type that contains the forward method, outermost first, as it must be re-declared in the generated partial.</summary>
/// <param name="Keyword">"class", "struct", "record", "record struct" or "interface".</param>
/// <param name="NameWithTypeParameters">e.g. <c>Mlp</c> or <c>Box&lt;T&gt;</c>.</param>
internal sealed record ContainingType(string Keyword, string NameWithTypeParameters);

/// <summary>
/// The whole lowered forward method: everything the later stages need, as plain equatable data
/// (no symbol, syntax node, location or compilation), which is what lets the pipeline cache.
/// </summary>
/// <param name="Key">The method's documentation comment ID: unique in the compilation.</param>
/// <param name="Self">
/// For an instance method of a weight type (a class or record holding tensors), the type of <c>this</c>: the method is
/// differentiated with respect to the instance as a whole, like a weight-object parameter (<see cref="OpKind.This"/>);
/// null otherwise.
/// </param>
/// <param name="ShapeChecks">The parameters declared with <c>[Shape]</c>, in order: what the generated forward checks on entry.</param>
/// <param name="HidesInherited">
/// A base type has (or will have) generated members of the same name — an override of a <c>[Differentiable]</c> method
/// gets its own tape and backward, which hide the base's by design: the file says so (CS0108 off) instead of warning.
/// </param>
internal sealed record MethodModel(
    string Key,
    string? Namespace,
    EquatableArray<ContainingType> ContainingTypes,
    string Name,
    string Accessibility,
    bool IsStatic,
    EquatableArray<ParameterModel> Parameters,
    IrType ReturnType,
    EquatableArray<Instruction> Instructions,
    int Result,
    IrType? Self = null,
    bool HidesInherited = false,
    EquatableArray<ShapeRequirement> ShapeChecks = default,
    bool Planned = true)
{
    /// <summary>
    /// The hint name of the generated file, e.g. <c>Samples.Mlp.Loss.g.cs</c> (<see cref="Lowering.HintName"/>). Set by the
    /// generator's transform on every run, not by Lower: it depends on the method's siblings (twins whose names differ only in
    /// case), which the body cache does not key on. Empty in the analyzer, which generates nothing.
    /// </summary>
    public string HintName { get; init; } = "";
}

/// <summary>
/// A parameter's declared <c>[Shape]</c>, checked on entry to the generated forward (<c>GradGen.ShapeCheck.Require</c>).
/// </summary>
/// <param name="Declared">The shape as declared, e.g. <c>[B, 784]</c>: the exception's message names it.</param>
/// <param name="Expected">Per axis, a C# expression of the expected length: a literal, a symbol bound by an earlier parameter (or an int parameter), or -1 for unchecked.</param>
/// <param name="Binds">Per axis, the local that this parameter's length binds (a symbol seen here first), or empty.</param>
internal sealed record ShapeRequirement(string Parameter, string Declared, EquatableArray<string> Expected, EquatableArray<string> Binds);
