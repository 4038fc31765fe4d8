<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>qs::Automation</name>
    <message>
        <source>node &apos;%1&apos; not found in %2</source>
        <translation>在 %2 中找不到节点“%1”</translation>
    </message>
    <message>
        <source>cannot take a screenshot of the window</source>
        <translation>无法截取窗口图像</translation>
    </message>
    <message>
        <source>cannot write screenshot %1: %2</source>
        <translation>无法写入截图 %1：%2</translation>
    </message>
    <message>
        <source>cannot encode screenshot %1</source>
        <translation>无法编码截图 %1</translation>
    </message>
</context>
<context>
    <name>qs::GuiCommandLineParser</name>
    <message>
        <source>QuantScope: see why a neural network loses accuracy when it is quantized.</source>
        <translation>QuantScope：查明神经网络量化后精度下降的原因。</translation>
    </message>
    <message>
        <source>Select node &lt;name&gt; once the model is loaded.</source>
        <translation>模型加载后选中名为 &lt;名称&gt; 的节点。</translation>
    </message>
    <message>
        <source>name</source>
        <translation>名称</translation>
    </message>
    <message>
        <source>Save a PNG picture of the whole window to &lt;file&gt; once the model is loaded.</source>
        <translation>模型加载后将整个窗口的 PNG 截图保存到 &lt;文件&gt;。</translation>
    </message>
    <message>
        <source>file</source>
        <translation>文件</translation>
    </message>
    <message>
        <source>Quit after saving the screenshot.</source>
        <translation>保存截图后退出。</translation>
    </message>
    <message>
        <source>model</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>The ONNX model to open (default: the bundled example model).</source>
        <translation>要打开的 ONNX 模型（默认为内置示例模型）。</translation>
    </message>
    <message>
        <source>[model.onnx]</source>
        <translation>[model.onnx]</translation>
    </message>
    <message>
        <source>%1: %2 (see %1 --help)</source>
        <translation>%1：%2（参见 %1 --help）</translation>
    </message>
    <message>
        <source>expected at most one model file, got %1</source>
        <translation>最多只能指定一个模型文件，实际给出了 %1 个</translation>
    </message>
    <message>
        <source>option &apos;--screenshot&apos; needs a file name</source>
        <translation>选项“--screenshot”需要一个文件名</translation>
    </message>
    <message>
        <source>option &apos;--select&apos; needs a node name</source>
        <translation>选项“--select”需要一个节点名称</translation>
    </message>
    <message>
        <source>option &apos;--quit-after-screenshot&apos; needs &apos;--screenshot FILE.png&apos;</source>
        <translation>选项“--quit-after-screenshot”需要同时指定“--screenshot FILE.png”</translation>
    </message>
</context>
<context>
    <name>qs::MainWindow</name>
    <message>
        <source>Open an ONNX model with File ▸ Open, or drop one on this window.</source>
        <translation>请通过“文件 ▸ 打开模型”打开 ONNX 模型，或将模型文件拖放到此窗口。</translation>
    </message>
    <message>
        <source>No translation is available for %1.</source>
        <translation>没有 %1 的翻译。</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;Open Model…</source>
        <translation>打开模型(&amp;O)…</translation>
    </message>
    <message>
        <source>Open an ONNX model</source>
        <translation>打开 ONNX 模型</translation>
    </message>
    <message>
        <source>Open &amp;Example Model</source>
        <translation>打开示例模型(&amp;E)</translation>
    </message>
    <message>
        <source>Open the bundled MobileNetV2-style digits model</source>
        <translation>打开内置的 MobileNetV2 风格手写数字识别模型</translation>
    </message>
    <message>
        <source>Open &amp;Recent</source>
        <translation>最近打开(&amp;R)</translation>
    </message>
    <message>
        <source>&amp;Clear Menu</source>
        <translation>清除列表(&amp;C)</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <source>&amp;Find Node…</source>
        <translation>查找节点(&amp;F)…</translation>
    </message>
    <message>
        <source>Model Summary</source>
        <translation>模型概要</translation>
    </message>
    <message>
        <source>&amp;Language</source>
        <translation>语言(&amp;L)</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <source>&amp;About QuantScope</source>
        <translation>关于 QuantScope(&amp;A)</translation>
    </message>
    <message>
        <source>About &amp;Qt</source>
        <translation>关于 Qt(&amp;Q)</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>正在加载…</translation>
    </message>
    <message>
        <source>Open Model</source>
        <translation>打开模型</translation>
    </message>
    <message>
        <source>ONNX models (*.onnx);;All files (*)</source>
        <translation>ONNX 模型 (*.onnx);;所有文件 (*)</translation>
    </message>
    <message>
        <source>About QuantScope</source>
        <translation>关于 QuantScope</translation>
    </message>
    <message>
        <source>&lt;h3&gt;QuantScope %1&lt;/h3&gt;&lt;p&gt;A quantization analyzer for neural networks: open an ONNX model, quantize it, and see which layers lose accuracy and why.&lt;/p&gt;&lt;p&gt;Built with Qt %2 and QCustomPlot.&lt;/p&gt;</source>
        <translation>&lt;h3&gt;QuantScope %1&lt;/h3&gt;&lt;p&gt;神经网络量化分析工具：打开 ONNX 模型并进行量化，查看哪些层损失了精度以及原因。&lt;/p&gt;&lt;p&gt;基于 Qt %2 和 QCustomPlot 构建。&lt;/p&gt;</translation>
    </message>
    <message>
        <source>&amp;%1 %2</source>
        <translation>&amp;%1 %2</translation>
    </message>
    <message>
        <source>QuantScope</source>
        <translation>QuantScope</translation>
    </message>
    <message>
        <source>%1 (example) — QuantScope</source>
        <translation>%1（示例）— QuantScope</translation>
    </message>
    <message>
        <source>%1 — QuantScope</source>
        <translation>%1 — QuantScope</translation>
    </message>
    <message>
        <source>Loading %1…</source>
        <translation>正在加载 %1…</translation>
    </message>
    <message numerus="yes">
        <source>Loaded %1: %n node(s); shape inference stopped: %2</source>
        <translation>
            <numerusform>已加载 %1：%n 个节点；形状推断中止：%2</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Loaded %1: %n node(s)</source>
        <translation>
            <numerusform>已加载 %1：%n 个节点</numerusform>
        </translation>
    </message>
    <message>
        <source>Could not open %1: %2</source>
        <translation>无法打开 %1：%2</translation>
    </message>
    <message>
        <source>Could Not Open Model</source>
        <translation>无法打开模型</translation>
    </message>
    <message>
        <source>QuantScope could not open %1.</source>
        <translation>QuantScope 无法打开 %1。</translation>
    </message>
</context>
<context>
    <name>qs::ModelLoader</name>
    <message>
        <source>%1: out of memory while loading the model</source>
        <translation>%1：加载模型时内存不足</translation>
    </message>
    <message>
        <source>%1: unexpected error: %2</source>
        <translation>%1：意外错误：%2</translation>
    </message>
</context>
<context>
    <name>qs::ModelSummaryWidget</name>
    <message>
        <source>Property</source>
        <translation>属性</translation>
    </message>
    <message>
        <source>Value</source>
        <translation>值</translation>
    </message>
    <message>
        <source>No model loaded</source>
        <translation>未加载模型</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>File</source>
        <translation>文件</translation>
    </message>
    <message>
        <source>Graph</source>
        <translation>计算图</translation>
    </message>
    <message>
        <source>Producer</source>
        <translation>生成工具</translation>
    </message>
    <message>
        <source>IR version</source>
        <translation>IR 版本</translation>
    </message>
    <message>
        <source>Opsets</source>
        <translation>算子集版本</translation>
    </message>
    <message>
        <source>Nodes</source>
        <translation>节点数</translation>
    </message>
    <message>
        <source>Parameters</source>
        <translation>参数量</translation>
    </message>
    <message>
        <source>Elements of all floating-point initializers: weights, biases and BatchNorm statistics</source>
        <translation>所有浮点初始化张量的元素总数：权重、偏置和 BatchNorm 统计量</translation>
    </message>
    <message>
        <source>Inputs (%1)</source>
        <translation>输入（%1）</translation>
    </message>
    <message>
        <source>Outputs (%1)</source>
        <translation>输出（%1）</translation>
    </message>
    <message>
        <source>Operators (%1 types)</source>
        <translation>算子（%1 种）</translation>
    </message>
    <message>
        <source>Unsupported operators</source>
        <translation>不支持的算子</translation>
    </message>
    <message>
        <source>none</source>
        <translation>无</translation>
    </message>
    <message>
        <source>Unsupported operators (%1)</source>
        <translation>不支持的算子（%1）</translation>
    </message>
    <message>
        <source>Shape inference</source>
        <translation>形状推断</translation>
    </message>
    <message>
        <source>Stopped</source>
        <translation>已中止</translation>
    </message>
    <message>
        <source>Known shapes</source>
        <translation>已知形状</translation>
    </message>
    <message>
        <source>Unknown shapes</source>
        <translation>未知形状</translation>
    </message>
    <message>
        <source>Note</source>
        <translation>说明</translation>
    </message>
</context>
<context>
    <name>qs::NodeTableModel</name>
    <message>
        <source>%1 is not implemented: the model can be viewed but not run</source>
        <translation>%1 尚未实现：模型可以查看，但无法运行</translation>
    </message>
    <message>
        <source>#</source>
        <translation>序号</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <source>Op</source>
        <translation>算子</translation>
    </message>
    <message>
        <source>Inputs</source>
        <translation>输入</translation>
    </message>
    <message>
        <source>Weights</source>
        <translation>权重</translation>
    </message>
    <message>
        <source>Outputs</source>
        <translation>输出</translation>
    </message>
    <message>
        <source>Attributes</source>
        <translation>属性</translation>
    </message>
</context>
<context>
    <name>qs::NodeTablePage</name>
    <message>
        <source>Filter by node name, op type or tensor name (Ctrl+F)</source>
        <translation>按节点名称、算子类型或张量名称筛选 (Ctrl+F)</translation>
    </message>
    <message numerus="yes">
        <source>%n node(s)</source>
        <translation>
            <numerusform>%n 个节点</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%1 of %n node(s)</source>
        <translation>
            <numerusform>显示 %1 个，共 %n 个节点</numerusform>
        </translation>
    </message>
</context>
</TS>
