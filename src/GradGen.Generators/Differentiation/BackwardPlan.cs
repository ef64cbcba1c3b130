using System.Linq;
using GradGen.Generators.Helpers;

namespace GradGen.Generators.Differentiation;

/// <summary>
/// The names the generated members introduce, chosen by Differentiate so that none clashes with the user's parameter and
/// value names (Emit only prints them).
/// </summary>
/// <param name="Tape">The tape parameter of Forward/Pullback.</param>
/// <param name="Upstream">∂L/∂result: <c>seed</c> for a scalar result, <c>dY</c> for a tensor.</param>
/// <param name="Value">The local holding the forward value in the public backward forms.</param>
/// <param name="ParameterGradients">Per forward parameter: the name of its gradient parameter (<c>x</c> → <c>dX</c>), or empty when it has none.</param>
/// <param name="Tapes">
/// Per instruction: the name under which a <c>Call</c> records the callee's tape, or a <c>For</c> the array of its
/// per-iteration tapes; empty for other instructions.
/// </param>
/// <param name="Steps">Per <c>For</c>: the name of the local holding one iteration's tape in the backward sweep; empty otherwise.</param>
/// <param name="SelfGradient">
/// ∂L/∂this (<c>dSelf</c>) for a method differentiated with respect to its instance (<see cref="Model.MethodModel.Self"/>):
/// the first gradient of the pullback and the public forms; empty otherwise.
/// </param>
/// <param name="Overwrite">The flag of the pullback and the accumulate form by which a caller asks for its gradients written, not added to (<see cref="WriteRequest"/>).</param>
internal sealed record GeneratedNames(
    string Tape,
    string Upstream,
    string Value,
    EquatableArray<string> ParameterGradients,
    EquatableArray<string> Tapes,
    EquatableArray<string> Steps,
    string SelfGradient,
    string Overwrite);

/// <summary>
/// The first statement of every pullback: what it does when the caller asks for its gradients written rather than added
/// to (the flag <see cref="GeneratedNames.Overwrite"/>). The gradients in <paramref name="Written"/> — tensor parameters'
/// whose first contribution planning made a kernel that writes when asked (<c>overwrite: overwrite</c>; planning's
/// write-if-asked rule) — are checked for shared memory (<c>Adjoint.Overwrite</c>: if two of the caller's tensors share
/// memory, all are zeroed and added to); every other gradient is zeroed here when asked.
/// </summary>
internal sealed record WriteRequest(EquatableArray<string> Written) : BackwardStatement;

/// <summary>One statement of the backward sweep, decided by Differentiate and printed by Emit.</summary>
internal abstract record BackwardStatement;

/// <summary>How a contribution reaches its gradient buffer.</summary>
internal enum Store
{
    /// <summary>Added to what the buffer holds (<c>+=</c>): the rules as stated.</summary>
    Add,

    /// <summary>Written (<c>overwrite: true</c>): planning's first write, the buffer's first contribution.</summary>
    Write,

    /// <summary>Written when the caller asks for written gradients, else added (<c>overwrite: overwrite</c>; <see cref="WriteRequest"/>).</summary>
    WriteIfAsked,
}

/// <summary>
/// The backward block of one instruction: Emit prints a comment stating the rule for the operands in
/// <paramref name="Flows"/> (operand positions that receive a gradient), then the statements.
/// </summary>
internal sealed record RuleBlock(int Instruction, string Upstream, EquatableArray<int> Flows, EquatableArray<BackwardStatement> Statements) : BackwardStatement;

/// <summary>
/// The backward block of a call to another <c>[Differentiable]</c> method: its pullback, given ∂L/∂result. With
/// <paramref name="Store"/> other than <see cref="Store.Add"/> the pullback is asked to write its gradients instead of adding
/// to them: always (planning's first write: every one is declared just for it) or when the caller asks (write-if-asked).
/// </summary>
internal sealed record CallBlock(int Instruction, string Upstream, EquatableArray<BackwardStatement> Statements, EquatableArray<CallArgument> Arguments, Store Store = Store.Add) : BackwardStatement;

/// <summary>
/// The gradient buffer a callee's pullback adds one differentiable argument's gradient into: the argument's own gradient
/// (<paramref name="Gradient"/>), or, for an inactive argument, a scratch buffer (a declared scalar, or a fresh tensor shaped
/// like <paramref name="Value"/> when <paramref name="Gradient"/> is null).
/// </summary>
internal sealed record CallArgument(int Value, string? Gradient, bool ByRef);

/// <summary>The method returns a parameter as is: its gradient receives the upstream gradient.</summary>
internal sealed record ReturnedAsIs(int Value, string Gradient, string Upstream) : BackwardStatement;

/// <summary>
/// Declares a zero gradient for <paramref name="Value"/>: a tensor of its shape, or a scalar 0 — or, when
/// <paramref name="Uninitialized"/> (planning's first write), a tensor of its shape whose contents the next statement overwrites.
/// </summary>
internal sealed record DeclareGradient(int Value, string Name, bool Uninitialized = false) : BackwardStatement;

/// <summary>
/// Planning's memory plan: the gradient buffers <paramref name="Names"/> of <paramref name="Values"/> — one buffer, or buffers
/// that may be one (a handed-on gradient is its upstream's buffer when their shapes agree) — are read no more, so they go
/// back to the workspace for later gradients of their shape.
/// </summary>
internal sealed record ReleaseGradient(EquatableArray<int> Values, EquatableArray<string> Names) : BackwardStatement;

/// <summary>
/// Declares the gradient of an operand that receives the upstream gradient unchanged by handing the upstream buffer on
/// (<c>var dA = Adjoint.Reduce(dY, a)</c>: the buffer itself when the shapes agree, a reduced copy for a broadcast operand).
/// Legal only where nothing reads <paramref name="From"/> afterwards — or, with <paramref name="Alias"/> (planning's alias
/// rule, in place of a copy), where neither buffer is written while both are read. With <paramref name="Reshape"/> (the
/// input of a reshape) the buffer is taken as a view in the value's shape (<c>Adjoint.Reshaped</c>).
/// </summary>
internal sealed record HandOnGradient(int Value, string Name, string From, bool Alias = false, bool Reshape = false) : BackwardStatement;

/// <summary>
/// Adds operand <paramref name="Operand"/>'s contribution of the instruction's rule, given the instruction's gradient
/// <paramref name="Upstream"/>, into <paramref name="Target"/>: a kernel
/// call for a tensor; for a scalar <c>target += …</c>, or <c>T target = …</c> when <paramref name="Declares"/>. When
/// <paramref name="Store"/> <see cref="Store.Write"/> (planning's first write) the kernel writes the contribution instead of
/// adding it (<see cref="Store.WriteIfAsked"/>: when the caller asks, a caller's gradient's first contribution); with
/// <paramref name="Tiled"/> as well, only the slice it contributes to (a split of heads whose slices tile the target: each
/// writes its own range), and with <paramref name="Tail"/> also zeros after that slice (the tiling's last slice).
/// </summary>
internal sealed record Accumulate(int Instruction, int Operand, string Upstream, string Target, bool Declares, Store Store = Store.Add, bool Tiled = false, bool Tail = false) : BackwardStatement;

/// <summary>
/// Adds the gradient <paramref name="From"/> into <paramref name="Value"/>'s gradient <paramref name="Target"/> (declaring a
/// scalar one when <paramref name="Declares"/>); copies it as <paramref name="Store"/> says (planning's first write, or when the
/// caller asks).
/// </summary>
internal sealed record AddGradient(int Value, string Target, string From, bool Declares, Store Store = Store.Add) : BackwardStatement;

/// <summary>Makes the gradient variable <paramref name="Target"/> refer to <paramref name="From"/> (<c>var target = from;</c> when <paramref name="Declares"/>): no buffer is written.</summary>
internal sealed record AssignGradient(string Target, string From, bool Declares) : BackwardStatement;

/// <summary>
/// The iterations of loop <paramref name="Loop"/> in reverse, each with what its forward sweep recorded:
/// <paramref name="Before"/> (gradients that live across iterations), then <paramref name="Body"/> once per iteration from
/// the last to the first, then <paramref name="After"/> (the initial values receive the first iteration's gradients).
/// </summary>
internal sealed record ReverseLoop(int Loop, EquatableArray<BackwardStatement> Before, EquatableArray<BackwardStatement> Body, EquatableArray<BackwardStatement> After) : BackwardStatement;

/// <summary>
/// <paramref name="Statement"/> runs only when the caller wants <paramref name="Gradient"/>, the gradient of a tensor
/// parameter: a caller passes null for one it does not want (a caller's pullback does so for an argument that receives no
/// gradient), and the work that only adds into it is skipped.
/// </summary>
internal sealed record IfWanted(string Gradient, BackwardStatement Statement) : BackwardStatement;

/// <summary>Statements printed one after the other.</summary>
internal sealed record Sequence(EquatableArray<BackwardStatement> Statements) : BackwardStatement;

/// <summary>
/// Runs an instruction's fused kernel once for all its operands (<see cref="Rule.Kernel"/>): <paramref name="Targets"/>
/// per operand, its gradient buffer, or empty for one that receives none. <paramref name="Stores"/> per operand (or empty:
/// all added): how the kernel stores that gradient (<see cref="Rule.KernelWrites"/> names the argument that makes it write).
/// </summary>
internal sealed record AccumulateAll(int Instruction, string Upstream, EquatableArray<string> Targets, EquatableArray<Store> Stores = default) : BackwardStatement
{
    /// <summary>How operand <paramref name="k"/>'s gradient is stored.</summary>
    public Store StoreOf(int k) => k < Stores.Count ? Stores[k] : Store.Add;

    /// <summary>This kernel call with operand <paramref name="k"/>'s gradient stored as <paramref name="store"/>.</summary>
    public AccumulateAll Storing(int k, Store store) =>
        this with { Stores = Enumerable.Range(0, Targets.Count).Select(i => i == k ? store : StoreOf(i)).ToEquatableArray() };
}

/// <summary>
/// A branch in reverse: <paramref name="Before"/> (gradients both branches may add into), then the backward statements of
/// the branch the forward sweep took — <paramref name="Then"/> when its condition held, <paramref name="Else"/> otherwise.
/// </summary>
internal sealed record BranchBlock(int Branch, EquatableArray<BackwardStatement> Before, EquatableArray<BackwardStatement> Then, EquatableArray<BackwardStatement> Else) : BackwardStatement;

/// <summary>
/// The backward block of an array of tensors built from values (<see cref="Model.OpKind.Pack"/>) or of a value stored into
/// one (<see cref="Model.OpKind.Store"/>): Emit prints a comment, then the statements that add each element's gradient into
/// the value it holds.
/// </summary>
internal sealed record ElementsBlock(int Instruction, EquatableArray<BackwardStatement> Statements) : BackwardStatement;
