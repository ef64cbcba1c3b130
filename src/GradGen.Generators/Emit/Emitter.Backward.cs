using System.Collections.Generic;
using System.Linq;
using System.Text;
using GradGen.Generators.Differentiation;
using GradGen.Generators.Helpers;
using GradGen.Generators.Model;

namespace GradGen.Generators.Emit;

/// <summary>Emit, the backward sweep: the pullback, printing the backward plan statement by statement.</summary>
internal sealed partial class Emitter
{
    // ── the backward sweep ───────────────────────────────────────────────────────────────

    private string UpstreamType => M.ReturnType.TypeName;

    /// <summary>The guard printed before the next statement's line (<see cref="IfWanted"/>), or empty.</summary>
    private string _guard = "";

    private string GradientParameterList(bool withTypes) => string.Join(", ", GradientNames.Select(g =>
    {
        var isRef = g.Type.Kind == ValueKind.Scalar;
        // A tensor gradient may be null: the caller does not want it, and the work that only adds into it is skipped.
        return (isRef ? "ref " : "") + (withTypes ? g.Type.TypeName + (g.Type.Kind == ValueKind.Tensor ? "?" : "") + " " : "") + g.Gradient;
    }));

    private void Pullback()
    {
        var w = _writer;
        var upstream = _names.Upstream;
        w.Line("/// <summary>");
        w.Line("/// The backward sweep of <c>" + M.Name + "</c>: given <paramref name=\"" + upstream + "\"/> = ∂L/∂" + Name(M.Result) + ", adds ∂L/∂" +
               string.Join(", ∂L/∂", GradientNames.Select(g => g.Value.TrimStart('@'))) + " into " + string.Join(", ", GradientNames.Select(g => g.Gradient)) +
               " (writes them when <paramref name=\"" + _names.Overwrite + "\"/>).");
        w.Line("/// </summary>");
        w.Open(M.Accessibility + _static + " void " + M.Name + Naming.PullbackSuffix + "(" + Join("in " + _tapeType + " " + _names.Tape, UpstreamType + " " + upstream, GradientParameterList(true), OverwriteParameter) + ")");

        // What the forward sweep recorded is read in place (tape.h, or a loop iteration's step.h), not loaded into one
        // local per field: a declaration and a statement less per recorded value for the compiler to bind on every
        // keystroke in an IDE (docs/performance.md, "A keystroke in csharp-ls").
        // An element's index is the exception: the planner spells it by name inside a gradient (dSelf.Layers[i]), so it
        // is loaded into a local of that name.
        _indexes = new HashSet<int>(_instructions.Where(i => i.Op is OpKind.Element or OpKind.Store).Select(i => i.Operands[1]));
        _recordedValues = new Dictionary<int, string>();
        _recordedTapes = new Dictionary<int, string>();
        foreach (var id in _plan.Saved.Where(id => !_indexes.Contains(id))) _recordedValues[id] = RecordedIn(id) + "." + Name(id);
        foreach (var id in _plan.SavedTapes) _recordedTapes[id] = RecordedIn(id) + "." + _names.Tapes[id];
        if (_plan.Saved.Count + _plan.SavedTapes.Count > 0) w.Line("// what the forward sweep recorded is read from " + _names.Tape);
        LoadIndexes(-1);
        foreach (var statement in _plan.Backward) Statement(statement);
        _recordedValues = null;
        _recordedTapes = null;
        w.Close();
    }

    /// <summary>While the pullback is printed: where it reads each recorded value (<c>tape.h</c>, <c>iStep.h</c>); else null.</summary>
    private Dictionary<int, string>? _recordedValues;

    /// <summary>While the pullback is printed: where it reads each recorded callee or loop tape (<c>tape.t3Tape</c>); else null.</summary>
    private Dictionary<int, string>? _recordedTapes;

    /// <summary>While the pullback is printed: the values that index an element (read into a local, see <see cref="LoadIndexes"/>).</summary>
    private HashSet<int> _indexes = new();

    /// <summary>The recorded values of a region (-1: the method, or a loop) that index an element, loaded into locals of their names.</summary>
    private void LoadIndexes(int region)
    {
        foreach (var id in _plan.Saved.Where(id => _indexes.Contains(id) && TapeRegion(id) == region))
        {
            _writer.Line("var " + Name(id) + " = " + RecordedIn(id) + "." + Name(id) + ";");
        }
    }

    /// <summary>The tape a value is recorded in, as the pullback names it: the method's tape, or its loop iteration's step.</summary>
    private string RecordedIn(int id) => TapeRegion(id) is var region && region < 0 ? _names.Tape : _names.Steps[region];

    /// <summary>A recorded callee or loop tape, as the pullback reads it.</summary>
    private string ReadTape(int id) => _recordedTapes is not null && _recordedTapes.TryGetValue(id, out var path) ? path : _names.Tapes[id];

    /// <summary>Prints one statement of the backward plan.</summary>
    private void Statement(BackwardStatement statement)
    {
        var w = _writer;
        switch (statement)
        {
            case RuleBlock block:
            {
                var instruction = _instructions[block.Instruction];
                var rule = RuleOf(instruction);
                w.Line();
                // A contribution planning writes (first-write) is stated as = rather than +=.
                var written = Stored(block.Statements, Store.Write);
                w.Line("// " + Render(rule.Math, instruction, block.Upstream, null, math: true) + ShapesOf(instruction) + "  ⇒  "
                       + string.Join(",  ", block.Flows.Select(k => Written(Render(rule.Adjoints[k]!.Math, instruction, block.Upstream, null, math: true), written.Contains(k))))
                       + (rule.Note is null ? "" : "  (" + Render(rule.Note, instruction, block.Upstream, null, math: true) + ")"));
                if (instruction.Fused is not null) w.Line("// " + instruction.Fused);
                // A tiled write into a buffer declared before says so on its own line.
                var declared = block.Statements.OfType<DeclareGradient>().Select(d => d.Name).ToList();
                var first = written.Where(k => !block.Statements.OfType<Accumulate>().Any(a => a.Operand == k && a.Tiled && !declared.Contains(a.Target))).ToList();
                if (first.Count > 0)
                {
                    w.Line("// first-write (planned): " + string.Join(", ", first.Select(k => "∂L/∂" + Name(instruction.Operands[k]).TrimStart('@'))) + " written, not zero-filled then added to");
                }
                var asked = Stored(block.Statements, Store.WriteIfAsked);
                if (asked.Count > 0)
                {
                    w.Line("// write-if-asked (planned): " + string.Join(", ", asked.Select(k => "∂L/∂" + Name(instruction.Operands[k]).TrimStart('@'))) + " written when the caller asks (" + _names.Overwrite + "), else added to");
                }
                if (block.Statements.OfType<Accumulate>().FirstOrDefault(a => a.Tiled) is { } tiled)
                {
                    w.Line("// tiled (planned): the slices of ∂L/∂" + Name(instruction.Operands[tiled.Operand]).TrimStart('@') + (instruction.Op == OpKind.SplitHeads ? " that the heads take" : "") + " tile its axis: each writes its own range"
                           + (tiled.Tail ? ", this last one also zeros after it" : "") + " (no zero fill, nothing added)");
                }
                foreach (var inner in block.Statements) Statement(inner);
                break;
            }
            case CallBlock block:
            {
                var instruction = _instructions[block.Instruction];
                var callee = instruction.Callee!;
                w.Line();
                var call = instruction.Name + " = " + (callee.Self ? Name(instruction.Operands[0]) + "." : "") + callee.Name + "(" + string.Join(", ", instruction.Operands.Skip(callee.FirstArgument).Select(Name)) + ")";
                w.Line(callee.CustomPullback is null
                    ? "// " + call + "  ⇒  " + callee.Name + "'s pullback adds its gradients, given ∂L/∂" + instruction.Name
                    : "// " + call + "  ⇒  the derivative registered for " + callee.Name + " (" + callee.CustomPullback + ") adds its gradients, given ∂L/∂" + instruction.Name);
                var handed = string.Join(", ", block.Arguments.Where(a => a.Gradient is not null).Select(a => a.Gradient));
                if (block.Store == Store.Write) w.Line("// first-write (planned): " + callee.Name + "'s pullback writes " + handed + ", not zero-filled then added to");
                else if (block.Store == Store.WriteIfAsked) w.Line("// write-if-asked (planned): " + callee.Name + "'s pullback writes " + handed + " when the caller asks (" + _names.Overwrite + "), else adds to them");
                foreach (var inner in block.Statements) Statement(inner);
                var arguments = block.Arguments.Select(a => (a.ByRef ? "ref " : "") + (a.Gradient ?? (callee.CustomPullback is null ? "null" : ZeroOf(_instructions[a.Value].Type, Read(a.Value)))));
                if (block.Store != Store.Add) arguments = arguments.Append(WriteArgument(block.Store));
                if (callee.CustomPullback is not null)
                {
                    var values = instruction.Operands.Select(Read).Append(Read(instruction.Id)).Append(block.Upstream);
                    w.Line(callee.Receiver + "." + callee.CustomPullback + "(" + string.Join(", ", values.Concat(arguments)) + ");");
                    break;
                }
                w.Line(Receiver(instruction) + "." + callee.Name + Naming.PullbackSuffix + "(" + ReadTape(block.Instruction) + ", " + block.Upstream + (block.Arguments.Count > 0 ? ", " : "") + string.Join(", ", arguments) + ");");
                break;
            }
            case ReturnedAsIs returned:
            {
                var result = _instructions[returned.Value];
                w.Line();
                w.Line("// " + result.Name + " is returned as is  ⇒  ∂L/∂" + result.Name + " += ∂L/∂result");
                w.Line(result.Type.Kind == ValueKind.Tensor
                    ? AdjointClass(result.Type.Element) + ".Identity(" + returned.Upstream + ", " + returned.Gradient + ");"
                    : returned.Gradient + " += " + returned.Upstream + ";");
                break;
            }
            case DeclareGradient declare:
                // An array of tensors this method built: an array of zero tensors shaped like its elements.
                w.Line(declare.Uninitialized
                    ? "var " + declare.Name + " = " + AdjointClass(_instructions[declare.Value].Type.Element) + ".Uninitialized(" + Read(declare.Value) + ");"
                    : Differentiator.IsBuiltContainer(_instructions[declare.Value])
                    ? "var " + declare.Name + " = " + Ops(_instructions[declare.Value].Type.Element) + ".ZerosLike(" + Read(declare.Value) + ");"
                    : ZeroGradient(_instructions[declare.Value].Type, Read(declare.Value), declare.Name));
                break;
            case ReleaseGradient release:
            {
                var gradients = string.Join(" and ", release.Values.Select(v => "∂L/∂" + Name(v).TrimStart('@')));
                w.Line("// release (planned): " + gradients + (release.Values.Count > 1 ? " (one buffer where their shapes agree) are" : " is") + " dead; a later gradient of its shape reuses the memory");
                foreach (var name in release.Names) w.Line(WorkspaceClass + ".Release(" + name + ");");
                break;
            }
            case ElementsBlock elements:
            {
                var instruction = _instructions[elements.Instruction];
                w.Line();
                w.Line(instruction.Op == OpKind.Store
                    ? "// " + Name(instruction.Operands[0]) + "[" + Name(instruction.Operands[1]) + "] = " + Name(instruction.Operands[2]) + "  ⇒  ∂L/∂" + Name(instruction.Operands[2]) + " += ∂L/∂" + Name(instruction.Operands[0]) + "[" + Name(instruction.Operands[1]) + "]"
                    : "// " + instruction.Name + " = [" + string.Join(", ", instruction.Operands.Select(Name)) + "]  ⇒  ∂L/∂" + string.Join(",  ∂L/∂", instruction.Operands.Select(Name).Distinct()) + " += their elements of ∂L/∂" + instruction.Name);
                foreach (var inner in elements.Statements) Statement(inner);
                break;
            }
            case HandOnGradient handOn:
                if (handOn.Alias)
                {
                    w.Line("// alias (planned): ∂L/∂" + Name(handOn.Value).TrimStart('@') + " takes the buffer " + handOn.From + (handOn.Reshape ? " as a view in its shape" : " (where the shapes agree)")
                           + ", not a copy of it: neither is written while both are read");
                }
                w.Line("var " + handOn.Name + " = " + AdjointClass(_instructions[handOn.Value].Type.Element) + (handOn.Reshape ? ".Reshaped(" : ".Reduce(") + handOn.From + ", " + Read(handOn.Value) + ");");
                break;
            case WriteRequest request:
                WriteRequest(request);
                break;
            case AddGradient add:
                w.Line(_guard + (_instructions[add.Value].Type.Kind == ValueKind.Tensor ? AdjointClass(_instructions[add.Value].Type.Element) + ".Identity(" + add.From + ", " + add.Target + Overwriting(add.Store) + ");"
                    : add.Declares ? _instructions[add.Value].Type.TypeName + " " + add.Target + " = " + add.From + ";"
                    : add.Target + " += " + add.From + ";"));
                break;
            case AssignGradient assign:
                w.Line((assign.Declares ? "var " : "") + assign.Target + " = " + assign.From + ";");
                break;
            case Sequence sequence:
                foreach (var inner in sequence.Statements) Statement(inner);
                break;
            case IfWanted { Statement: Accumulate or AddGradient } wanted:
                // One line: `if (dX is not null) Adjoint.MatMulLeft(…, dX);`
                _guard = "if (" + wanted.Gradient + " is not null) ";
                Statement(wanted.Statement);
                _guard = "";
                break;
            case IfWanted wanted:
                w.Open("if (" + wanted.Gradient + " is not null)");
                Statement(wanted.Statement);
                w.Close();
                break;
            case ReverseLoop loop:
                ReverseLoop(loop);
                break;
            case BranchBlock branch:
            {
                var condition = Read(_instructions[branch.Branch].Operands[0]);
                w.Line();
                w.Line("// if (" + Name(_instructions[branch.Branch].Operands[0]) + ") { … } else { … }  ⇒  the gradient flows back through the branch the forward sweep took");
                foreach (var inner in branch.Before) Statement(inner);
                // A side through which no gradient flows (an early return of a constant, the 0 of a ReLU) is not printed.
                var then = branch.Then.Count > 0;
                w.Open(then ? "if (" + condition + ")" : "if (!" + condition + ")");
                foreach (var inner in then ? branch.Then : branch.Else) Statement(inner);
                w.Close();
                if (!then || branch.Else.Count == 0) break;
                w.Open("else");
                foreach (var inner in branch.Else) Statement(inner);
                w.Close();
                break;
            }
            case AccumulateAll all:
            {
                var instruction = _instructions[all.Instruction];
                var code = new StringBuilder(Render(RuleOf(instruction).Kernel!, instruction, all.Upstream, null));
                for (var k = 0; k < all.Targets.Count; k++) code.Replace(Operand.Intos[k], all.Targets[k].Length > 0 ? all.Targets[k] : "null");
                for (var k = 0; k < all.Targets.Count; k++)
                {
                    if (all.StoreOf(k) != Store.Add) code.Insert(code.Length - 1, ", " + RuleOf(instruction).KernelWrites[k] + ": " + WriteArgument(all.StoreOf(k)));
                }
                w.Line(code + ";");
                break;
            }
            case Accumulate accumulate:
            {
                var instruction = _instructions[accumulate.Instruction];
                var operand = _instructions[instruction.Operands[accumulate.Operand]];
                var code = Render(RuleOf(instruction).Adjoints[accumulate.Operand]!.Code, instruction, accumulate.Upstream, accumulate.Target + Overwriting(accumulate.Store)
                    + (accumulate.Tiled ? ", onlySlice: true" : "") + (accumulate.Tail ? ", clearAfter: true" : ""));
                w.Line(_guard + (operand.Type.Kind is ValueKind.Tensor or ValueKind.Container ? code + ";"
                    : accumulate.Declares ? operand.Type.TypeName + " " + accumulate.Target + " = " + code + ";"
                    : accumulate.Target + " += " + code + ";"));
                break;
            }
        }
    }

    /// <summary>What a kernel or a callee's pullback is passed to write: <c>true</c> (planned), or the caller's flag.</summary>
    private string WriteArgument(Store store) => store == Store.Write ? "true" : _names.Overwrite;

    /// <summary>The argument that makes a kernel write its target, or none (it adds).</summary>
    private string Overwriting(Store store) => store == Store.Add ? "" : ", overwrite: " + WriteArgument(store);

    /// <summary>The operands whose gradients a block's contributions (guarded ones included) store as <paramref name="store"/>.</summary>
    private static List<int> Stored(IEnumerable<BackwardStatement> statements, Store store)
    {
        var contributions = statements.Select(s => s is IfWanted wanted ? wanted.Statement : s).ToList();
        return contributions.OfType<Accumulate>().Where(a => a.Store == store).Select(a => a.Operand)
            .Concat(contributions.OfType<AccumulateAll>().SelectMany(a => Enumerable.Range(0, a.Targets.Count).Where(k => a.StoreOf(k) == store))).ToList();
    }

    /// <summary>
    /// What the pullback does first when the caller asks for its gradients written: zeros those no kernel writes; with a
    /// planned write-if-asked, checks first that the caller's tensors do not share memory (else all are zeroed and added to).
    /// </summary>
    private void WriteRequest(WriteRequest request)
    {
        var w = _writer;
        var flag = _names.Overwrite;
        var gradients = GradientNames.ToList();
        if (gradients.Count == 0) return;
        var zeroed = gradients.Where(g => !request.Written.Contains(g.Gradient)).ToList();
        if (request.Written.Count == 0)
        {
            w.Line("// " + flag + ": the caller asks for the gradients written, not added to: they are zeroed here, then added to");
        }
        else
        {
            w.Line("// " + flag + ": the caller asks for the gradients written, not added to: the first contributions write " + string.Join(", ", request.Written)
                   + (zeroed.Count > 0 ? "; " + string.Join(", ", zeroed.Select(g => g.Gradient)) + " zeroed here" : "") + " (if two of the caller's tensors share memory, all are zeroed and added to)");
            // Scalars first: the memory check may turn the flag off, and they are zeroed either way.
            foreach (var scalar in zeroed.Where(g => g.Type.Kind == ValueKind.Scalar)) w.Line(Zero(scalar.Type, scalar.Gradient));
            var tensors = gradients.Where(g => g.Type.Kind == ValueKind.Tensor).Select(g => g.Gradient);
            w.Line(flag + " = " + AdjointClass(gradients.First(g => g.Type.Kind == ValueKind.Tensor).Type.Element) + ".Overwrite(" + flag + ", " + string.Join(", ", tensors) + ");");
            zeroed = zeroed.Where(g => g.Type.Kind != ValueKind.Scalar).ToList();
        }
        foreach (var (type, _, gradient) in zeroed) w.Line(Zero(type, gradient));

        string Zero(IrType type, string gradient) => type.Kind switch
        {
            ValueKind.Tensor => "if (" + flag + " && " + gradient + " is not null) " + Ops(type.Element) + ".Clear(" + gradient + ");",
            ValueKind.Scalar => "if (" + flag + ") " + gradient + " = 0;",
            _ => "if (" + flag + ") global::GradGen.Parameters.Clear(" + gradient + ");",
        };
    }

    /// <summary>A loop's iterations in reverse, each loading what its forward iteration recorded.</summary>
    private void ReverseLoop(ReverseLoop loop)
    {
        var w = _writer;
        var instruction = _instructions[loop.Loop];
        var index = Name(LoopIndex(loop.Loop));
        var lo = Read(instruction.Operands[0]);
        var hi = Read(instruction.Operands[1]);
        w.Line();
        if (instruction.IsConditionalLoop)
        {
            // The forward recorded one step per iteration that ran (always: the loop tests a condition).
            hi = (lo == "0" ? "" : lo + " + ") + ReadTape(loop.Loop) + ".Count";
            var times = (lo == "0" ? "" : Name(instruction.Operands[0]) + " + ") + _names.Tapes[loop.Loop] + ".Count";
            w.Line("// a loop that ran " + times + " times (" + index + " = " + Name(instruction.Operands[0]) + ", …)  ⇒  the iterations in reverse, each with what its forward sweep recorded");
        }
        else
        {
            w.Line("// for (" + index + " = " + Name(instruction.Operands[0]) + "; " + index + " < " + Name(instruction.Operands[1]) + "; " + index + "++) { … }  ⇒  the iterations in reverse, each with what its forward sweep recorded");
        }
        foreach (var statement in loop.Before) Statement(statement);
        w.Open("for (var " + index + " = " + hi + " - 1; " + index + " >= " + lo + "; " + index + "--)");
        if (_plan.SavedTapes.Contains(loop.Loop))
        {
            var step = _names.Steps[loop.Loop];
            w.Line("var " + step + " = " + ReadTape(loop.Loop) + "[" + Offset(index, lo) + "];");
            LoadIndexes(loop.Loop);
        }
        foreach (var statement in loop.Body) Statement(statement);
        w.Close();
        foreach (var statement in loop.After) Statement(statement);
    }

    /// <summary>An adjoint's math for a contribution planning writes: <c>∂L/∂h = …</c> instead of <c>∂L/∂h += …</c>.</summary>
    private static string Written(string math, bool written)
    {
        var at = math.IndexOf(" += ", System.StringComparison.Ordinal);
        return written && at >= 0 ? math.Substring(0, at) + " = " + math.Substring(at + 4) : math;
    }

    /// <summary>A zero gradient for a value: a tensor of its shape, a container (array, weight object) shaped like it, or a scalar 0.</summary>
    private static string ZeroGradient(IrType type, string valueName, string gradientName) => type.Kind switch
    {
        ValueKind.Tensor or ValueKind.Container => "var " + gradientName + " = " + ZeroOf(type, valueName) + ";",
        _ => type.TypeName + " " + gradientName + " = 0;",
    };

    /// <summary>A fresh zero gradient shaped like a tensor or container value.</summary>
    private static string ZeroOf(IrType type, string valueName) => type.Kind == ValueKind.Container
        ? "global::GradGen.Parameters.ZerosLike(" + valueName + ")"
        : Ops(type.Element) + ".ZerosLike(" + valueName + ")";

    /// <summary>The shapes of an op's tensor operands and result, when all are known: <c> : [B, 784], [784, H] → [B, H]</c>.</summary>
    private string ShapesOf(Instruction instruction)
    {
        if (instruction.Shape is null) return "";
        var operands = instruction.Operands.Select(o => _instructions[o]).Where(o => o.Type.Kind == ValueKind.Tensor).ToList();
        return operands.All(o => o.Shape is not null) ? " : " + string.Join(", ", operands.Select(o => o.Shape)) + " → " + instruction.Shape : "";
    }
}
