<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN" sourcelanguage="en">
<context>
    <name>CatalogModel</name>
    <message>
        <location filename="../../bluelm_desktop/ui/model_download.py" line="267"/>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_download.py" line="267"/>
        <source>Projector</source>
        <translation>投影器</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_download.py" line="267"/>
        <source>Download size</source>
        <translation>下载大小</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_download.py" line="268"/>
        <source>State</source>
        <translation>状态</translation>
    </message>
</context>
<context>
    <name>ChatController</name>
    <message>
        <location filename="../../bluelm_desktop/ui/chat_controller.py" line="71"/>
        <source>Stopped — the answer so far is kept.</source>
        <translation>已停止——已保留目前生成的回答。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/chat_controller.py" line="87"/>
        <source>Attached: {names}</source>
        <translation>附件：{names}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/pending_documents.py" line="90"/>
        <source>ready</source>
        <translation>已就绪</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/pending_documents.py" line="91"/>
        <source>Ready</source>
        <translation>就绪</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/pending_documents.py" line="94"/>
        <source>reading page {page} of {total}</source>
        <translation>正在读取第 {page} 页，共 {total} 页</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/pending_documents.py" line="97"/>
        <source>Reading page {page} of {total}</source>
        <translation>正在读取第 {page} 页，共 {total} 页</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/pending_documents.py" line="100"/>
        <source>reading page {page} of {total} (tile {done} of {tiles})</source>
        <translation>正在读取第 {page} 页，共 {total} 页（图块 {done}/{tiles}）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/pending_documents.py" line="104"/>
        <source>Reading page {page} of {total} (tile {done} of {tiles})</source>
        <translation>正在读取第 {page} 页，共 {total} 页（图块 {done}/{tiles}）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/pending_documents.py" line="118"/>
        <source>{name} (1 page)</source>
        <translation>{name}（1 页）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/pending_documents.py" line="121"/>
        <source>{name} ({pages} pages)</source>
        <translation>{name}（{pages} 页）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/chat_controller.py" line="232"/>
        <source>Could not open the conversation</source>
        <translation>无法打开对话</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/chat_controller.py" line="318"/>
        <source>Could not read the history</source>
        <translation>无法读取历史记录</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/chat_controller.py" line="311"/>
        <location filename="../../bluelm_desktop/ui/chat_controller.py" line="361"/>
        <location filename="../../bluelm_desktop/ui/chat_controller.py" line="673"/>
        <location filename="../../bluelm_desktop/ui/chat_controller.py" line="806"/>
        <location filename="../../bluelm_desktop/ui/chat_controller.py" line="819"/>
        <location filename="../../bluelm_desktop/ui/chat_controller.py" line="832"/>
        <location filename="../../bluelm_desktop/ui/chat_controller.py" line="839"/>
        <location filename="../../bluelm_desktop/ui/chat_controller.py" line="857"/>
        <source>Not saved in the history</source>
        <translation>未保存到历史记录</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/chat_controller.py" line="93"/>
        <source>Sees: {documents}</source>
        <translation>可见文档：{documents}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/chat_controller.py" line="261"/>
        <source>{name} is no longer in the history: the next question does not see it.</source>
        <translation>{name} 已不在历史记录中：下一个问题将看不到它。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/chat_controller.py" line="378"/>
        <source>This model reads text only. Choose a model with a vision projector (mmproj) to ask about documents.</source>
        <translation>此模型只能读取文本。要询问文档内容，请选择带视觉投影器（mmproj）的模型。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/chat_controller.py" line="490"/>
        <source>The document was not saved in the history: {error}</source>
        <translation>文档未保存到历史记录：{error}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/chat_controller.py" line="499"/>
        <location filename="../../bluelm_desktop/ui/chat_controller.py" line="545"/>
        <source>Could not read {name}: {message}</source>
        <translation>无法读取 {name}：{message}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/chat_controller.py" line="576"/>
        <source>{progress}… your question will be answered when it is done.</source>
        <translation>{progress}…读取完成后将回答你的问题。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/chat_controller.py" line="711"/>
        <source>The question was not sent; the document is still being read.</source>
        <translation>问题未发送：文档仍在读取中。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/chat_controller.py" line="720"/>
        <source>Answering…</source>
        <translation>正在回答…</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/chat_controller.py" line="777"/>
        <source>Ready.</source>
        <translation>就绪。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/chat_controller.py" line="779"/>
        <source>Stopped.</source>
        <translation>已停止。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/chat_controller.py" line="781"/>
        <source>The answer failed: {message}</source>
        <translation>回答失败：{message}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/chat_controller.py" line="792"/>
        <source>{doing}: {error}</source>
        <translation>{doing}：{error}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/chat_controller.py" line="795"/>
        <source>{doing}: internal error ({kind}: {error})</source>
        <translation>{doing}：内部错误（{kind}：{error}）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/chat_controller.py" line="905"/>
        <source>Found on {where}</source>
        <translation>出处：{where}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/chat_controller.py" line="911"/>
        <source>{tokens} tokens · {speed} tokens/s · first token after {seconds} s</source>
        <translation>{tokens} 个 token · {speed} token/秒 · 首个 token 用时 {seconds} 秒</translation>
    </message>
</context>
<context>
    <name>ChatPane</name>
    <message>
        <location filename="../../bluelm_desktop/ui/chat_pane.py" line="485"/>
        <source>Ask anything, or drop a document here (an image or a PDF).

Reading starts the moment it arrives, while you type your question.</source>
        <translation>有问题尽管问，也可以把文档（图片或 PDF）拖到这里。

文档一到就开始读取，你可以同时输入问题。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/chat_pane.py" line="490"/>
        <source>Conversation</source>
        <translation>对话</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/chat_pane.py" line="491"/>
        <source>The questions and answers, oldest first</source>
        <translation>问题与回答，按时间从早到晚</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/chat_pane.py" line="496"/>
        <source>Stop</source>
        <translation>停止</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/chat_pane.py" line="497"/>
        <source>Stop the answer here (Esc); what was written is kept</source>
        <translation>在此停止回答（Esc），已生成的内容会保留</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/chat_pane.py" line="499"/>
        <source>Regenerate</source>
        <translation>重新生成</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/chat_pane.py" line="500"/>
        <source>Answer the last question again</source>
        <translation>重新回答上一个问题</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/chat_pane.py" line="501"/>
        <location filename="../../bluelm_desktop/ui/chat_pane.py" line="568"/>
        <source>Copy</source>
        <translation>复制</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/chat_pane.py" line="502"/>
        <source>Copy the selected message, or the last answer, as markdown</source>
        <translation>将所选消息或最后一条回答复制为 Markdown</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/chat_pane.py" line="559"/>
        <source>Copied.</source>
        <translation>已复制。</translation>
    </message>
</context>
<context>
    <name>ClausesModel</name>
    <message>
        <location filename="../../bluelm_desktop/ui/contract_table.py" line="137"/>
        <source>Clause</source>
        <translation>条款</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/contract_table.py" line="137"/>
        <source>Page</source>
        <translation>页</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/contract_table.py" line="137"/>
        <source>Summary</source>
        <translation>摘要</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/contract_table.py" line="158"/>
        <source>The clause&apos;s title is printed on this page.</source>
        <translation>该条款的标题印在此页上。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/contract_table.py" line="159"/>
        <source>The page the model gave; the title was not found printed there.</source>
        <translation>这是模型给出的页码；在该页上没有找到印出的标题。</translation>
    </message>
</context>
<context>
    <name>Composer</name>
    <message>
        <location filename="../../bluelm_desktop/ui/composer.py" line="31"/>
        <source>Pasted image</source>
        <translation>粘贴的图片</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/composer.py" line="32"/>
        <source>Screen capture</source>
        <translation>屏幕截图</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/composer.py" line="34"/>
        <source>Add images or PDFs (you can also drop or paste them)</source>
        <translation>添加图片或 PDF（也可以拖放或粘贴）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/composer.py" line="36"/>
        <source>Select part of the screen and ask about it</source>
        <translation>框选屏幕的一部分，然后就其提问</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/composer.py" line="46"/>
        <source>Documents</source>
        <translation>文档</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/composer.py" line="47"/>
        <source>All files</source>
        <translation>所有文件</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/composer.py" line="123"/>
        <source>Question</source>
        <translation>问题</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/composer.py" line="125"/>
        <source>Enter sends the question, Shift+Enter starts a new line; pasting an image or a file attaches it</source>
        <translation>回车发送问题，Shift+回车换行；粘贴图片或文件即可附加</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/composer.py" line="127"/>
        <source>Send</source>
        <translation>发送</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/composer.py" line="129"/>
        <source>Send the question (Enter)</source>
        <translation>发送问题（回车）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/composer.py" line="130"/>
        <source>Attach…</source>
        <translation>添加附件…</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/composer.py" line="132"/>
        <source>Capture screen region</source>
        <translation>截取屏幕区域</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/composer.py" line="204"/>
        <source>Attach documents</source>
        <translation>添加文档</translation>
    </message>
</context>
<context>
    <name>ContractPanel</name>
    <message>
        <location filename="../../bluelm_desktop/ui/contract_table.py" line="211"/>
        <source>Contract terms</source>
        <translation>合同条款</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/contract_table.py" line="214"/>
        <location filename="../../bluelm_desktop/ui/contract_table.py" line="226"/>
        <source>Clauses</source>
        <translation>条款列表</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/contract_table.py" line="224"/>
        <source>Export CSV…</source>
        <translation>导出 CSV…</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/contract_table.py" line="225"/>
        <source>Export JSON…</source>
        <translation>导出 JSON…</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/contract_table.py" line="226"/>
        <source>Key terms</source>
        <translation>关键条款</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/contract_table.py" line="277"/>
        <source>Export contract terms as CSV</source>
        <translation>将合同条款导出为 CSV</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/contract_table.py" line="278"/>
        <source>CSV files (*.csv)</source>
        <translation>CSV 文件 (*.csv)</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/contract_table.py" line="282"/>
        <source>Export contract terms as JSON</source>
        <translation>将合同条款导出为 JSON</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/contract_table.py" line="283"/>
        <source>JSON files (*.json)</source>
        <translation>JSON 文件 (*.json)</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/contract_table.py" line="296"/>
        <source>Could not save {name}: {error}</source>
        <translation>无法保存 {name}：{error}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/contract_table.py" line="302"/>
        <source>Saved {name}.</source>
        <translation>已保存 {name}。</translation>
    </message>
</context>
<context>
    <name>ContractTermsModel</name>
    <message>
        <location filename="../../bluelm_desktop/ui/contract_table.py" line="83"/>
        <source>Title</source>
        <translation>标题</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/contract_table.py" line="83"/>
        <source>Parties</source>
        <translation>当事方</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/contract_table.py" line="83"/>
        <source>Effective date</source>
        <translation>生效日期</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/contract_table.py" line="84"/>
        <source>Term</source>
        <translation>期限</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/contract_table.py" line="84"/>
        <source>Renewal</source>
        <translation>续约</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/contract_table.py" line="84"/>
        <source>Notice period</source>
        <translation>通知期</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/contract_table.py" line="85"/>
        <source>Amounts</source>
        <translation>金额</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/contract_table.py" line="85"/>
        <source>Governing law</source>
        <translation>适用法律</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/contract_table.py" line="85"/>
        <source>Signatories</source>
        <translation>签署人</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/contract_table.py" line="100"/>
        <source>YYYY-MM-DD</source>
        <translation>YYYY-MM-DD</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/contract_table.py" line="110"/>
        <source>Value</source>
        <translation>值</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/contract_table.py" line="122"/>
        <source>“{text}” is not a date: write dates as YYYY-MM-DD.</source>
        <translation>“{text}”不是日期：请按 YYYY-MM-DD 书写日期。</translation>
    </message>
</context>
<context>
    <name>ConversationListModel</name>
    <message>
        <location filename="../../bluelm_desktop/ui/sidebar.py" line="82"/>
        <source>Untitled</source>
        <translation>未命名</translation>
    </message>
</context>
<context>
    <name>DocumentPanel</name>
    <message>
        <location filename="../../bluelm_desktop/ui/document_panel.py" line="118"/>
        <source>Fast</source>
        <translation>快速</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/document_panel.py" line="119"/>
        <source>Fine print</source>
        <translation>精细</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/tile_overlay.py" line="46"/>
        <source>No document attached.

Attach an image or a PDF, paste an image or capture a screen region: its tiles, image tokens and the time they take show here before anything runs.</source>
        <translation>未附加文档。

添加图片或 PDF、粘贴图片或截取屏幕区域后，开始处理之前，这里会显示它的图块、图像 token 数和所需时间。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/document_words.py" line="20"/>
        <source>1 tile</source>
        <translation>1 个图块</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/document_words.py" line="22"/>
        <source>{grid} grid + thumbnail</source>
        <translation>{grid} 网格 + 缩略图</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/document_words.py" line="24"/>
        <source>{grid} grid</source>
        <translation>{grid} 网格</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/document_words.py" line="38"/>
        <source>under 1 s</source>
        <translation>不到 1 秒</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/document_words.py" line="44"/>
        <source>{hours} h {minutes} min</source>
        <translation>{hours} 小时 {minutes} 分</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/document_words.py" line="47"/>
        <source>{minutes} min {seconds} s</source>
        <translation>{minutes} 分 {seconds} 秒</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/document_words.py" line="50"/>
        <source>{minutes} min</source>
        <translation>{minutes} 分钟</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/document_words.py" line="52"/>
        <source>{seconds} s</source>
        <translation>{seconds} 秒</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/document_words.py" line="57"/>
        <source>{tiles} tile · {tokens} image tokens · ≈ {duration}</source>
        <translation>{tiles} 个图块 · {tokens} 个图像 token · ≈ {duration}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/document_words.py" line="59"/>
        <source>{tiles} tiles · {tokens} image tokens · ≈ {duration}</source>
        <translation>{tiles} 个图块 · {tokens} 个图像 token · ≈ {duration}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/document_words.py" line="68"/>
        <source>{count} page</source>
        <translation>{count} 页</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/document_words.py" line="70"/>
        <source>{count} pages</source>
        <translation>{count} 页</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/document_words.py" line="74"/>
        <source>first {count} used</source>
        <translation>仅使用前 {count} 页</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/document_words.py" line="76"/>
        <source>text layer</source>
        <translation>含文本层</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/document_words.py" line="78"/>
        <source>no text layer (scanned)</source>
        <translation>无文本层（扫描件）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/document_words.py" line="80"/>
        <source>Image</source>
        <translation>图片</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/document_words.py" line="81"/>
        <source>{format} image</source>
        <translation>{format} 图片</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/document_words.py" line="86"/>
        <source>{count} frames</source>
        <translation>{count} 帧</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/document_panel.py" line="193"/>
        <location filename="../../bluelm_desktop/ui/document_panel.py" line="451"/>
        <location filename="../../bluelm_desktop/ui/document_panel.py" line="504"/>
        <source>Document</source>
        <translation>文档</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/document_panel.py" line="206"/>
        <source>Detail:</source>
        <translation>精细度：</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/document_panel.py" line="207"/>
        <source>How many tiles a page is cut into: more tiles read smaller text and take longer.</source>
        <translation>一页切成多少个图块：图块越多，越能看清小字，但耗时也越长。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/document_panel.py" line="217"/>
        <source>Detail: {preset}</source>
        <translation>细节：{preset}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/document_panel.py" line="250"/>
        <source>Pages</source>
        <translation>页面</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/document_panel.py" line="251"/>
        <source>The document&apos;s pages; the one chosen is shown with its tiles above</source>
        <translation>文档的各页；选中的一页连同其图块显示在上方</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/document_panel.py" line="257"/>
        <source>Send this page as:</source>
        <translation>此页发送为：</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/document_panel.py" line="259"/>
        <source>its text layer</source>
        <translation>其文本层</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/document_panel.py" line="259"/>
        <source>tiles</source>
        <translation>图块</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/document_panel.py" line="260"/>
        <source>text layer and tiles</source>
        <translation>文本层和图块</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/document_panel.py" line="262"/>
        <source>Send this page as</source>
        <translation>此页发送为</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/document_panel.py" line="264"/>
        <source>A page whose PDF holds its words goes as that text (exact, fast); tiles let the model see what the words miss: stamps, signatures, handwriting, charts.</source>
        <translation>PDF 中含有文字的页面会以文本发送（准确、快速）；图块让模型看到文字之外的内容：印章、签名、手写和图表。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/document_panel.py" line="350"/>
        <source>Opening…</source>
        <translation>正在打开…</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/document_panel.py" line="351"/>
        <source>Opening {name}…</source>
        <translation>正在打开 {name}…</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/document_panel.py" line="365"/>
        <source>The answer&apos;s values are marked on page {pages}.</source>
        <translation>答案中的数值已在第 {pages} 页标出。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/document_panel.py" line="408"/>
        <source>Encoding page {page}: {done} of {total} tiles</source>
        <translation>正在编码第 {page} 页：{done}/{total} 个图块</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/document_panel.py" line="411"/>
        <source>Page {page} encoded ({total} tiles)</source>
        <translation>第 {page} 页已编码（{total} 个图块）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/document_panel.py" line="453"/>
        <source>Nothing attached</source>
        <translation>未附加任何内容</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/document_panel.py" line="507"/>
        <source>Could not be opened</source>
        <translation>无法打开</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/document_panel.py" line="549"/>
        <source>Page {page} could not be shown: {message}</source>
        <translation>无法显示第 {page} 页：{message}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/document_panel.py" line="572"/>
        <source>Rendering page {page}…</source>
        <translation>正在渲染第 {page} 页…</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/document_words.py" line="97"/>
        <source>Page {page}: </source>
        <translation>第 {page} 页：</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/document_words.py" line="100"/>
        <source>&lt;b&gt;left out&lt;/b&gt; · the context has no room for it</source>
        <translation>&lt;b&gt;未读取&lt;/b&gt; · 上下文没有空间容纳此页</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/document_words.py" line="103"/>
        <source>&lt;b&gt;its text layer&lt;/b&gt; · ≈ {tokens} tokens</source>
        <translation>&lt;b&gt;其文本层&lt;/b&gt; · ≈ {tokens} 个词元</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/document_words.py" line="107"/>
        <source>{text} · no tiles to encode (born-digital: exact and fast)</source>
        <translation>{text} · 无需编码图块（原生电子文档：准确且快速）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/document_words.py" line="109"/>
        <source>The page&apos;s words are in the PDF and cover what is printed on it, so the model reads them as text: no tiles to encode.</source>
        <translation>此页的文字就在 PDF 中，并覆盖了页面上印出的内容，因此模型将其作为文本读取：无需编码图块。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/document_words.py" line="116"/>
        <source>&lt;b&gt;Whole page&lt;/b&gt; · the model cuts it into its own tiles (llama.cpp), counted when encoding starts</source>
        <translation>&lt;b&gt;整页&lt;/b&gt; · 由模型自行切分图块（llama.cpp），开始编码时计数</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/document_words.py" line="118"/>
        <source>This model lays out its images itself, as it was trained; the tile grid and the image-token budget apply to models whose tiles the app cuts.</source>
        <translation>此模型按其训练方式自行排布图像；图块网格和图像 token 预算仅适用于由本应用切分图块的模型。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/document_words.py" line="121"/>
        <source>&lt;b&gt;{tiles} tile&lt;/b&gt; ({grid}) · &lt;b&gt;{tokens}&lt;/b&gt; image tokens · ≈ &lt;b&gt;{duration}&lt;/b&gt; to encode and prefill</source>
        <translation>&lt;b&gt;{tiles} 个图块&lt;/b&gt;（{grid}）· &lt;b&gt;{tokens}&lt;/b&gt; 个图像 token · 编码和预填充约需 &lt;b&gt;{duration}&lt;/b&gt;</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/document_words.py" line="124"/>
        <source>&lt;b&gt;{tiles} tiles&lt;/b&gt; ({grid}) · &lt;b&gt;{tokens}&lt;/b&gt; image tokens · ≈ &lt;b&gt;{duration}&lt;/b&gt; to encode and prefill</source>
        <translation>&lt;b&gt;{tiles} 个图块&lt;/b&gt;（{grid}）· &lt;b&gt;{tokens}&lt;/b&gt; 个图像 token · 编码和预填充约需 &lt;b&gt;{duration}&lt;/b&gt;</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/document_words.py" line="140"/>
        <source>{count} as text (≈ {tokens} tokens)</source>
        <translation>{count} 页作为文本（≈ {tokens} 个词元）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/document_words.py" line="147"/>
        <source>{count} left out</source>
        <translation>{count} 页未读取</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/document_words.py" line="149"/>
        <source>All {count} pages: {cost}</source>
        <translation>全部 {count} 页：{cost}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/document_words.py" line="155"/>
        <source>Estimated before anything runs: {per_tile} s per tile to encode and {speed} image tokens per second to prefill ({source}). The answer starts after this.</source>
        <translation>运行前的估算：每个图块编码约 {per_tile} 秒，预填充每秒约 {speed} 个图像 token（{source}）。这之后才开始生成回答。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/document_words.py" line="159"/>
        <source>default figures</source>
        <translation>默认数值</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/document_panel.py" line="690"/>
        <source>Fine print: the model&apos;s full tile grid. Slower, but small text stays legible.</source>
        <translation>精细：使用模型的完整图块网格。较慢，但小字依然清晰可读。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/document_panel.py" line="693"/>
        <source>{preset}: at most {budget} image tokens per page (a smaller grid). Quicker answers; small print may be missed.</source>
        <translation>{preset}：每页最多 {budget} 个图像 token（网格更小）。回答更快，但可能漏掉小字。</translation>
    </message>
</context>
<context>
    <name>DownloadDialog</name>
    <message>
        <location filename="../../bluelm_desktop/ui/model_download.py" line="316"/>
        <source>Download a model</source>
        <translation>下载模型</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_download.py" line="320"/>
        <source>Vision models that llama.cpp runs, from the Hugging Face hub. Both files are checked against the hub&apos;s sha256 before the model is used. Nothing but the file requests leaves this computer, and only when you click Download.</source>
        <translation>来自 Hugging Face Hub、可由 llama.cpp 运行的视觉模型。使用模型前，两个文件都会与 Hub 上的 sha256 校验值比对。除文件请求外，不会有任何数据离开这台电脑，而且只在你点击“下载”时才会发出请求。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_download.py" line="347"/>
        <source>Download</source>
        <translation>下载</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_download.py" line="349"/>
        <source>Cancel download</source>
        <translation>取消下载</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_download.py" line="385"/>
        <source>Asking the hub for {name}…</source>
        <translation>正在向 Hub 请求 {name}…</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_download.py" line="410"/>
        <source>Installed as {name}. It is in the models list now.</source>
        <translation>已安装为 {name}，现已出现在模型列表中。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_download.py" line="416"/>
        <source>Download failed: {message}</source>
        <translation>下载失败：{message}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_download.py" line="421"/>
        <source>Download cancelled. Download again to resume where it stopped.</source>
        <translation>下载已取消。再次下载将从中断处继续。</translation>
    </message>
</context>
<context>
    <name>EngineBridge</name>
    <message>
        <location filename="../../bluelm_desktop/ui/messages.py" line="65"/>
        <source>internal error: {kind}: {error}</source>
        <translation>内部错误：{kind}：{error}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/engine_bridge.py" line="363"/>
        <source>loading was cancelled</source>
        <translation>加载已取消</translation>
    </message>
</context>
<context>
    <name>ExtractionPanel</name>
    <message>
        <location filename="../../bluelm_desktop/ui/extraction_table.py" line="536"/>
        <source>Export invoice as CSV</source>
        <translation>将发票导出为 CSV</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/extraction_table.py" line="537"/>
        <source>CSV files (*.csv)</source>
        <translation>CSV 文件 (*.csv)</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/extraction_table.py" line="542"/>
        <source>Export invoice as JSON</source>
        <translation>将发票导出为 JSON</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/extraction_table.py" line="543"/>
        <source>JSON files (*.json)</source>
        <translation>JSON 文件 (*.json)</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/extraction_table.py" line="555"/>
        <source>Could not save {name}: {error}</source>
        <translation>无法保存 {name}：{error}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/extraction_table.py" line="560"/>
        <source>Saved {name}.</source>
        <translation>已保存 {name}。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/extraction_table.py" line="599"/>
        <source>Invoice</source>
        <translation>发票</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/extraction_table.py" line="600"/>
        <location filename="../../bluelm_desktop/ui/extraction_table.py" line="604"/>
        <source>Line items</source>
        <translation>明细</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/extraction_table.py" line="601"/>
        <source>Invoice fields</source>
        <translation>发票字段</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/extraction_table.py" line="603"/>
        <source>One field a row, editable: F2 or typing changes a value</source>
        <translation>每行一个字段，可编辑：按 F2 或直接输入即可修改</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/extraction_table.py" line="606"/>
        <source>One line of the invoice a row, editable: F2 or typing changes a value</source>
        <translation>每行一个发票明细，可编辑：按 F2 或直接输入即可修改</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/extraction_table.py" line="607"/>
        <source>Add line</source>
        <translation>添加行</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/extraction_table.py" line="608"/>
        <source>Remove line</source>
        <translation>删除行</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/extraction_table.py" line="609"/>
        <source>Export CSV…</source>
        <translation>导出 CSV…</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/extraction_table.py" line="610"/>
        <source>Export JSON…</source>
        <translation>导出 JSON…</translation>
    </message>
</context>
<context>
    <name>FoundModelsDialog</name>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="280"/>
        <source>Models found on this computer</source>
        <translation>在本机找到的模型</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="283"/>
        <source>These models were downloaded by other apps. Checked ones are added to the list and used where they are: nothing is copied.</source>
        <translation>这些模型由其他应用下载。勾选的模型会加入列表并在原位置使用，不会复制任何文件。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="287"/>
        <source>Models found</source>
        <translation>找到的模型</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="289"/>
        <source>vision + text, with {file}</source>
        <translation>视觉 + 文本，使用 {file}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="290"/>
        <source>text only</source>
        <translation>仅文本</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="297"/>
        <source>Add checked</source>
        <translation>添加勾选项</translation>
    </message>
</context>
<context>
    <name>InvoiceFieldsModel</name>
    <message>
        <location filename="../../bluelm_desktop/ui/extraction_table.py" line="183"/>
        <source>Vendor</source>
        <translation>供应商</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/extraction_table.py" line="183"/>
        <source>Invoice number</source>
        <translation>发票号码</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/extraction_table.py" line="183"/>
        <source>Invoice date</source>
        <translation>开票日期</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/extraction_table.py" line="184"/>
        <source>Due date</source>
        <translation>到期日</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/extraction_table.py" line="184"/>
        <source>Currency</source>
        <translation>币种</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/extraction_table.py" line="184"/>
        <source>Subtotal</source>
        <translation>小计</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/extraction_table.py" line="185"/>
        <source>Tax</source>
        <translation>税额</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/extraction_table.py" line="185"/>
        <source>Total</source>
        <translation>合计</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/extraction_table.py" line="204"/>
        <source>YYYY-MM-DD</source>
        <translation>YYYY-MM-DD</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/extraction_table.py" line="213"/>
        <source>✓ p. {page}</source>
        <translation>✓ 第 {page} 页</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/extraction_table.py" line="214"/>
        <source>✗ not on the page</source>
        <translation>✗ 页面上没有</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/extraction_table.py" line="216"/>
        <source>Printed on page {page} of {document}: the value is exact.</source>
        <translation>印在 {document} 第 {page} 页：该值准确。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/extraction_table.py" line="219"/>
        <source>The page&apos;s text does not print this value: check it.</source>
        <translation>页面文字中没有这个值：请核对。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/extraction_table.py" line="231"/>
        <source>Value</source>
        <translation>值</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/extraction_table.py" line="231"/>
        <source>On the page</source>
        <translation>页面上</translation>
    </message>
</context>
<context>
    <name>LineItemsModel</name>
    <message>
        <location filename="../../bluelm_desktop/ui/extraction_table.py" line="259"/>
        <source>Description</source>
        <translation>描述</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/extraction_table.py" line="259"/>
        <source>Quantity</source>
        <translation>数量</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/extraction_table.py" line="259"/>
        <source>Unit price</source>
        <translation>单价</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/extraction_table.py" line="260"/>
        <source>Amount</source>
        <translation>金额</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../../bluelm_desktop/ui/main_window.py" line="250"/>
        <source>Data directory: {path}</source>
        <translation>数据目录：{path}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/main_window.py" line="251"/>
        <source>Change it with --data-dir DIR or BLUELM_DATA_DIR</source>
        <translation>可用 --data-dir DIR 或 BLUELM_DATA_DIR 更改</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/main_window.py" line="274"/>
        <source>Document and extracted tables</source>
        <translation>文档与提取的表格</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/main_window.py" line="278"/>
        <source>Document</source>
        <translation>文档</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/main_window.py" line="279"/>
        <source>Invoice fields</source>
        <translation>发票字段</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/main_window.py" line="280"/>
        <source>Contract terms</source>
        <translation>合同条款</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/main_window.py" line="318"/>
        <location filename="../../bluelm_desktop/ui/main_window.py" line="596"/>
        <source>No model</source>
        <translation>无模型</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/main_window.py" line="319"/>
        <source>Models…</source>
        <translation>模型…</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/main_window.py" line="321"/>
        <source>Choose another model</source>
        <translation>选择其他模型</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/main_window.py" line="323"/>
        <source>Settings…</source>
        <translation>设置…</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/main_window.py" line="326"/>
        <source>Threads, context, answers, documents, look (Ctrl+,)</source>
        <translation>线程、上下文、回答、文档、外观（Ctrl+,）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/main_window.py" line="330"/>
        <source>Status bar</source>
        <translation>状态栏</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/main_window.py" line="386"/>
        <source>Quick actions</source>
        <translation>快捷操作</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/main_window.py" line="389"/>
        <source>Quick actions:</source>
        <translation>快捷操作：</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/main_window.py" line="393"/>
        <source>Sends it as a question; text you typed is added to it</source>
        <translation>作为问题发送；你已输入的文字会一并附上</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/main_window.py" line="395"/>
        <source>Quick action: sends it as a question about the attached document; text you typed is added to it</source>
        <translation>快捷操作：作为关于所附文档的问题发送；您输入的文字会附加在后面</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/main_window.py" line="436"/>
        <source>Loading the model… {percent}</source>
        <translation>正在加载模型… {percent}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/main_window.py" line="465"/>
        <source>The model file is gone: {path}. Choose another model.</source>
        <translation>模型文件不存在：{path}。请选择其他模型。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/main_window.py" line="494"/>
        <source>Loading {name}…</source>
        <translation>正在加载 {name}…</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/main_window.py" line="495"/>
        <source>Loading the model…</source>
        <translation>正在加载模型…</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/main_window.py" line="536"/>
        <source>the PDF resolution applies from the next start</source>
        <translation>PDF 分辨率将在下次启动时生效</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/main_window.py" line="538"/>
        <source>the interface language changes at the next start</source>
        <translation>界面语言将在下次启动时更改</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/main_window.py" line="541"/>
        <source>reloading the model</source>
        <translation>正在重新加载模型</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/main_window.py" line="543"/>
        <source>; </source>
        <comment>between the notes after &apos;Settings saved:&apos;</comment>
        <translation>；</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/main_window.py" line="544"/>
        <source>Settings saved: {notes}.</source>
        <translation>设置已保存：{notes}。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/main_window.py" line="546"/>
        <source>Settings saved.</source>
        <translation>设置已保存。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/main_window.py" line="558"/>
        <source>vision + text</source>
        <translation>视觉 + 文本</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/main_window.py" line="558"/>
        <source>text only</source>
        <translation>仅文本</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/main_window.py" line="559"/>
        <source>{model} ({kind})</source>
        <translation>{model}（{kind}）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/main_window.py" line="563"/>
        <source>This model reads text only: choose one with a vision projector (mmproj) to ask about documents.</source>
        <translation>此模型只能读取文本：要询问文档内容，请选择带视觉投影器（mmproj）的模型。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/main_window.py" line="575"/>
        <source>Model loaded in {seconds} s. Ask anything, or drop a document.</source>
        <translation>模型已加载，用时 {seconds} 秒。有问题尽管问，也可以拖入文档。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/main_window.py" line="577"/>
        <source>Model loaded in {seconds} s. Ask anything.</source>
        <translation>模型已加载，用时 {seconds} 秒。有问题尽管问。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/main_window.py" line="598"/>
        <source>The model could not be loaded: {message}</source>
        <translation>无法加载模型：{message}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/main_window.py" line="670"/>
        <source>“{action}” needs a document: drop, paste or capture one first.</source>
        <translation>“{action}”需要文档：请先拖入、粘贴或截取一份。</translation>
    </message>
</context>
<context>
    <name>MessageDelegate</name>
    <message>
        <location filename="../../bluelm_desktop/ui/chat_pane.py" line="373"/>
        <source>You</source>
        <translation>你</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/chat_pane.py" line="375"/>
        <source>Assistant</source>
        <translation>助手</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/chat_pane.py" line="382"/>
        <source>answering…</source>
        <translation>正在回答…</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/chat_pane.py" line="384"/>
        <source>waiting for the document…</source>
        <translation>正在等待文档…</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/chat_pane.py" line="386"/>
        <source>stopped</source>
        <translation>已停止</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/chat_pane.py" line="388"/>
        <source>failed</source>
        <translation>失败</translation>
    </message>
</context>
<context>
    <name>MessageEdit</name>
    <message>
        <location filename="../../bluelm_desktop/ui/composer.py" line="74"/>
        <source>Ask a question… (Enter sends, Shift+Enter for a new line)</source>
        <translation>输入问题…（Enter 发送，Shift+Enter 换行）</translation>
    </message>
</context>
<context>
    <name>ModelDownloads</name>
    <message>
        <location filename="../../bluelm_desktop/ui/model_download.py" line="106"/>
        <source>Could not reach {host}: no network connection (name lookup failed).</source>
        <translation>无法连接 {host}：没有网络连接（域名解析失败）。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_download.py" line="109"/>
        <source>Could not reach {host}: no network connection (network unreachable).</source>
        <translation>无法连接 {host}：没有网络连接（网络不可达）。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_download.py" line="112"/>
        <source>Could not reach {host}: the connection was refused.</source>
        <translation>无法连接 {host}：连接被拒绝。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_download.py" line="114"/>
        <source>Could not reach {host}: it did not answer in time.</source>
        <translation>无法连接 {host}：对方未及时响应。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_download.py" line="116"/>
        <source>Could not reach {host} safely: its certificate is not trusted ({detail}).</source>
        <translation>无法安全连接 {host}：其证书不受信任（{detail}）。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_download.py" line="120"/>
        <source>Could not reach {host} safely: the encrypted connection failed ({detail}).</source>
        <translation>无法安全连接 {host}：加密连接失败（{detail}）。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_download.py" line="124"/>
        <source>The connection to {host} broke off ({detail}).</source>
        <translation>与 {host} 的连接中断（{detail}）。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_download.py" line="128"/>
        <source>Could not reach {host} ({detail}).</source>
        <translation>无法连接 {host}（{detail}）。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_download.py" line="131"/>
        <source>Tried {count} times; downloading again resumes what was kept.</source>
        <translation>已尝试 {count} 次；再次下载会接着已保存的部分继续。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_download.py" line="141"/>
        <source>{host} has no {file} (HTTP 404): the catalog entry may be out of date.</source>
        <translation>{host} 上没有 {file}（HTTP 404）：目录条目可能已过时。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_download.py" line="144"/>
        <source>{host} refused {file} (HTTP {status}): the repository may be private or gated.</source>
        <translation>{host} 拒绝提供 {file}（HTTP {status}）：该仓库可能是私有的或需申请访问。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_download.py" line="147"/>
        <source>{host} is busy (HTTP 429, too many requests): try again later.</source>
        <translation>{host} 正忙（HTTP 429，请求过多）：请稍后再试。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_download.py" line="150"/>
        <source>{host} could not send {file} (HTTP {status}, a problem on the server): try again later.</source>
        <translation>{host} 无法发送 {file}（HTTP {status}，服务器出现问题）：请稍后再试。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_download.py" line="152"/>
        <source>{host} could not send {file} (HTTP {status}).</source>
        <translation>{host} 无法发送 {file}（HTTP {status}）。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_download.py" line="219"/>
        <source>Installed</source>
        <translation>已安装</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_download.py" line="221"/>
        <source>Downloading…</source>
        <translation>正在下载…</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_download.py" line="224"/>
        <source>Partly downloaded (resumes)</source>
        <translation>已下载部分（可续传）</translation>
    </message>
</context>
<context>
    <name>ModelPage</name>
    <message>
        <location filename="../../bluelm_desktop/ui/main_window.py" line="121"/>
        <source>Choose the model to chat with, or create the demo model.</source>
        <translation>选择要对话的模型，或创建演示模型。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/main_window.py" line="124"/>
        <source>Use this model</source>
        <translation>使用此模型</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/main_window.py" line="126"/>
        <source>Back to the chat</source>
        <translation>返回对话</translation>
    </message>
</context>
<context>
    <name>ModelSetup</name>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="72"/>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="73"/>
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="74"/>
        <source>Layout</source>
        <translation>布局</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="75"/>
        <source>LLM precision</source>
        <translation>LLM 精度</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="76"/>
        <source>Size on disk</source>
        <translation>磁盘占用</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="77"/>
        <source>Est. RAM at {k}k ctx</source>
        <translation>估计内存（{k}k 上下文）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="78"/>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="81"/>
        <source>“vision + text” models have a vision projector (mmproj) and can read images.</source>
        <translation>“视觉 + 文本”模型带有视觉投影器（mmproj），可以读取图像。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="84"/>
        <source>The prompt and tiling layout the model was converted with.</source>
        <translation>模型转换时使用的提示词与切片布局。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="86"/>
        <source>Weight types of the language model, largest share first.</source>
        <translation>语言模型的权重类型，占比最大的在前。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="88"/>
        <source>Both files together.</source>
        <translation>两个文件合计。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="89"/>
        <source>Language model with a {tokens}-token context plus the vision encoder for one tile: weights, KV cache and compute buffers.</source>
        <translation>语言模型（{tokens} 词元上下文）加上处理一个切片的视觉编码器：权重、KV 缓存和计算缓冲区。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="96"/>
        <source>vision + text</source>
        <translation>视觉 + 文本</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="97"/>
        <source>text only</source>
        <translation>仅文本</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="120"/>
        <source>Error: {error}</source>
        <translation>错误：{error}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="122"/>
        <source>Ready — demo, random weights (answers are noise)</source>
        <translation>就绪 — 演示模型，随机权重（回答没有意义）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="125"/>
        <source>Ready (external files, not copied)</source>
        <translation>就绪（外部文件，未复制）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="126"/>
        <source>Ready</source>
        <translation>就绪</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="135"/>
        <source>Model:   {name}</source>
        <translation>模型：   {name}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="136"/>
        <source>Status:  {status}</source>
        <translation>状态：   {status}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="138"/>
        <source>LLM:     {path}</source>
        <translation>LLM：    {path}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="141"/>
        <source>mmproj:  {path}</source>
        <translation>mmproj： {path}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="144"/>
        <source>Est. RAM at n_ctx={n_ctx}: {size}</source>
        <translation>估计内存（n_ctx={n_ctx}）：{size}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="147"/>
        <source>Language model (LLM)</source>
        <translation>语言模型（LLM）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="148"/>
        <source>Vision projector (mmproj)</source>
        <translation>视觉投影器（mmproj）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="238"/>
        <source>other</source>
        <translation>其他</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="244"/>
        <source>unknown</source>
        <translation>未知</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_library_tasks.py" line="45"/>
        <source>Could not scan the models</source>
        <translation>无法扫描模型</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_library_tasks.py" line="57"/>
        <source>Could not create the demo model</source>
        <translation>无法创建演示模型</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_library_tasks.py" line="67"/>
        <source>Could not look for models</source>
        <translation>无法查找模型</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_library_tasks.py" line="78"/>
        <source>Could not add the models</source>
        <translation>无法添加这些模型</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_library_tasks.py" line="90"/>
        <source>Could not add the files</source>
        <translation>无法添加文件</translation>
    </message>
</context>
<context>
    <name>ModelSetupPanel</name>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="335"/>
        <source>A model is a language model GGUF (LLM) and, to read images, its vision projector GGUF (mmproj). Converted models live in &lt;code&gt;{folder}&lt;/code&gt;; files you add stay where they are.</source>
        <translation>一个模型由语言模型 GGUF（LLM）组成；要读取图像，还需要它的视觉投影器 GGUF（mmproj）。转换得到的模型保存在 &lt;code&gt;{folder}&lt;/code&gt;；你添加的文件保留在原处。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="342"/>
        <source>Download a model…</source>
        <translation>下载模型…</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="344"/>
        <source>Get a small vision model (InternVL3, LFM2-VL) from the Hugging Face hub</source>
        <translation>从 Hugging Face Hub 获取一个小型视觉模型（InternVL3、LFM2-VL）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="345"/>
        <source>Add GGUF files…</source>
        <translation>添加 GGUF 文件…</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="347"/>
        <source>Use an LLM .gguf you already have, optionally with its mmproj</source>
        <translation>使用你已有的 LLM .gguf 文件，可附带其 mmproj</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="348"/>
        <source>Create demo model (random weights)</source>
        <translation>创建演示模型（随机权重）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="350"/>
        <source>Make a tiny BlueLM-layout model with random weights to try the app offline. It runs, but its answers are noise.</source>
        <translation>生成一个随机权重的微型 BlueLM 布局模型，用于离线试用本应用。它可以运行，但回答没有意义。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="353"/>
        <source>Find models on this computer…</source>
        <translation>查找本机上的模型…</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="355"/>
        <source>Look for models LM Studio, Jan and llama.cpp downloaded, and use them where they are</source>
        <translation>查找 LM Studio、Jan 和 llama.cpp 下载的模型，并在原位置使用它们</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="357"/>
        <source>Refresh</source>
        <translation>刷新</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="368"/>
        <source>Models</source>
        <translation>模型</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="370"/>
        <source>The models on this computer, one a row; “Use this model” chooses the selected one</source>
        <translation>本机上的模型，每行一个；“使用此模型”会选用所选的那个</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="386"/>
        <source>Looking for models…</source>
        <translation>正在查找模型…</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="392"/>
        <source>Select a model to see what its files contain.</source>
        <translation>选择一个模型以查看其文件内容。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="393"/>
        <source>Model details</source>
        <translation>模型详情</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="424"/>
        <source>Download cancelled; it resumes where it stopped.</source>
        <translation>下载已取消；下次将从中断处继续。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="451"/>
        <source>Creating the demo model…</source>
        <translation>正在创建演示模型…</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="459"/>
        <source>Choose the language model (LLM) GGUF</source>
        <translation>选择语言模型（LLM）GGUF 文件</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="465"/>
        <source>Choose its vision projector (mmproj) GGUF — Cancel for a text-only model</source>
        <translation>选择其视觉投影器（mmproj）GGUF 文件 — 取消则作为仅文本模型</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="474"/>
        <source>Looking for models of LM Studio, Jan and llama.cpp…</source>
        <translation>正在查找 LM Studio、Jan 和 llama.cpp 的模型…</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="479"/>
        <source>Checking {file}…</source>
        <translation>正在检查 {file}…</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="537"/>
        <source>Created {name} in {folder} — random weights, answers are noise.</source>
        <translation>已在 {folder} 中创建 {name} — 随机权重，回答没有意义。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="547"/>
        <source>Downloaded and checked {file}.</source>
        <translation>已下载并校验 {file}。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="553"/>
        <source>Added {name} ({kind}).</source>
        <translation>已添加 {name}（{kind}）。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="562"/>
        <source>No models of LM Studio, Jan or llama.cpp found that are not listed here already.</source>
        <translation>未找到尚未列出的 LM Studio、Jan 或 llama.cpp 模型。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="570"/>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="575"/>
        <source>Nothing added.</source>
        <translation>未添加任何模型。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="577"/>
        <source>Checking {count} model(s)…</source>
        <translation>正在检查 {count} 个模型…</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="588"/>
        <source>Added {added} of {total}; {name} could not be used: {error}</source>
        <translation>已添加 {added}/{total} 个；{name} 无法使用：{error}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="591"/>
        <source>Added {count} model(s), left where they are.</source>
        <translation>已添加 {count} 个模型，文件保留在原位置。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="630"/>
        <source>No models yet.

Click “Download a model…” to get a small vision model from the Hugging Face hub.

Or click “Add GGUF files…” to use a model you already have: a language model .gguf and, to read images, its mmproj .gguf.

Or click “Create demo model (random weights)” to try the app with a tiny model made here in a few seconds. It runs like a real one, but its answers are noise.</source>
        <translation>还没有模型。

点击“下载模型…”从 Hugging Face Hub 获取一个小型视觉模型。

或点击“添加 GGUF 文件…”使用你已有的模型：一个语言模型 .gguf 文件，要读取图像还需要它的 mmproj .gguf 文件。

或点击“创建演示模型（随机权重）”，几秒钟内在本机生成一个微型模型来试用本应用。它像真实模型一样运行，但回答没有意义。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="640"/>
        <source>GGUF files (*.gguf);;All files (*)</source>
        <translation>GGUF 文件 (*.gguf);;所有文件 (*)</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="645"/>
        <source>1 model</source>
        <translation>1 个模型</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="647"/>
        <source>{count} models</source>
        <translation>{count} 个模型</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="649"/>
        <source>{models}, {broken} with problems (see Status).</source>
        <translation>{models}，其中 {broken} 个有问题（见“状态”）。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="651"/>
        <source>{models}.</source>
        <translation>{models}。</translation>
    </message>
</context>
<context>
    <name>PageListModel</name>
    <message>
        <location filename="../../bluelm_desktop/ui/page_strip.py" line="69"/>
        <source>Page {page}</source>
        <translation>第 {page} 页</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/page_strip.py" line="80"/>
        <source>Page {page}: {width} × {height} px · whole, the model cuts its own tiles</source>
        <translation>第 {page} 页：{width} × {height} 像素 · 整页，由模型自行切分图块</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/page_strip.py" line="83"/>
        <source>Page {page}: {width} × {height} px · {grid} · {tiles} tiles · {tokens} image tokens</source>
        <translation>第 {page} 页：{width} × {height} 像素 · {grid} · {tiles} 个图块 · {tokens} 个图像 token</translation>
    </message>
</context>
<context>
    <name>QuickAction</name>
    <message>
        <location filename="../../bluelm_desktop/ui/main_window.py" line="96"/>
        <source>Translate text in image</source>
        <translation>翻译图中文字</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/main_window.py" line="97"/>
        <source>Extract invoice fields</source>
        <translation>提取发票字段</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/main_window.py" line="98"/>
        <source>Extract contract terms</source>
        <translation>提取合同条款</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/main_window.py" line="99"/>
        <source>Summarize</source>
        <translation>总结</translation>
    </message>
</context>
<context>
    <name>RegionSelector</name>
    <message>
        <location filename="../../bluelm_desktop/ui/screen_capture.py" line="74"/>
        <source>Could not take a screenshot: this display gave an empty image (on Wayland, allow screen capture for the app; headless and remote sessions have no screen to grab).</source>
        <translation>无法截图：此显示器返回了空白图像（在 Wayland 下，请允许本应用截取屏幕；无界面会话和远程会话没有可截取的屏幕）。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/screen_capture.py" line="79"/>
        <source>Drag to select a region  ·  Enter to accept  ·  Esc to cancel</source>
        <translation>拖动以选择区域  ·  Enter 确认  ·  Esc 取消</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/screen_capture.py" line="81"/>
        <source>Could not take a screenshot: no screenshot portal answered on D-Bus (on Wayland, install xdg-desktop-portal and your desktop&apos;s portal backend).</source>
        <translation>无法截屏：D-Bus 上没有截屏门户响应（在 Wayland 下请安装 xdg-desktop-portal 及您桌面环境的门户后端）。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/screen_capture.py" line="85"/>
        <source>Could not take a screenshot: the screenshot portal failed ({error}).</source>
        <translation>无法截屏：截屏门户出错（{error}）。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/screen_capture.py" line="227"/>
        <source>Capture screen region</source>
        <translation>截取屏幕区域</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="94"/>
        <source>Allowed: more than {lo}, at most {hi}</source>
        <translation>允许的值：大于 {lo}，且不超过 {hi}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="96"/>
        <source>Allowed: {lo} to {hi}</source>
        <translation>允许的值：{lo} 到 {hi}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="100"/>
        <source>Allowed: more than {lo}</source>
        <translation>允许的值：大于 {lo}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="102"/>
        <source>Allowed: {lo} or more</source>
        <translation>允许的值：{lo} 或以上</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="104"/>
        <source>Allowed: at most {hi}</source>
        <translation>允许的值：不超过 {hi}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="105"/>
        <source>Allowed: any value</source>
        <translation>允许的值：任意</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="136"/>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="139"/>
        <source>Settings sections</source>
        <translation>设置分区</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="140"/>
        <source>Performance</source>
        <translation>性能</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="141"/>
        <source>Answers</source>
        <translation>回答</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="142"/>
        <source>Documents</source>
        <translation>文档</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="143"/>
        <source>Appearance</source>
        <translation>外观</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="160"/>
        <source>All cores</source>
        <translation>全部核心</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="163"/>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="165"/>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="207"/>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="235"/>
        <source> tokens</source>
        <translation> token</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="174"/>
        <source>Use what “Measure speed” found fastest here</source>
        <translation>使用“测量速度”在本机测得最快的设置</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="176"/>
        <source>For a model measured on this computer, its measured tile batch, flash attention and cache types replace the four settings above</source>
        <translation>对于已在本机测速的模型，测得的图块批大小、Flash Attention 和缓存类型将取代上面四项设置</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="181"/>
        <source>Threads:</source>
        <translation>线程数：</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="182"/>
        <source>Context length:</source>
        <translation>上下文长度：</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="183"/>
        <source>Prefill chunk:</source>
        <translation>预填充分块：</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="184"/>
        <source>Tiles per encoder batch:</source>
        <translation>每批编码图块数：</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="167"/>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="204"/>
        <source>Off</source>
        <translation>关闭</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="167"/>
        <source>On</source>
        <translation>开启</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="168"/>
        <source>Automatic (llama.cpp decides)</source>
        <translation>自动（由 llama.cpp 决定）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="169"/>
        <source>16-bit (f16)</source>
        <translation>16 位（f16）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="170"/>
        <source>8-bit (q8_0), half the memory</source>
        <translation>8 位（q8_0），内存减半</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="185"/>
        <source>Flash attention:</source>
        <translation>Flash Attention：</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="186"/>
        <source>Key cache:</source>
        <translation>键缓存（K）：</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="187"/>
        <source>Value cache:</source>
        <translation>值缓存（V）：</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="188"/>
        <source>Measured settings:</source>
        <translation>测得的设置：</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="190"/>
        <source>Changing these reloads the model. A longer context holds longer conversations and more pages but needs more memory. Batching tiles pays on a GPU; on a CPU one at a time is as fast (see the engine benchmark). Flash attention and an 8-bit cache are measured per machine by “Measure speed” (bluelm-desktop tune), which picks them for each model unless you untick “Measured settings”. An 8-bit value cache needs flash attention; a model whose attention heads cannot be stored in 8 bits keeps a 16-bit cache.</source>
        <translation>更改这些设置会重新加载模型。更长的上下文能容纳更长的对话和更多页面，但需要更多内存。图块批处理在 GPU 上有益；在 CPU 上逐个编码同样快（见引擎基准测试）。Flash Attention 和 8 位缓存由“测量速度”（bluelm-desktop tune）按机器测量，并为每个模型选定，除非您取消勾选“测得的设置”。8 位值缓存需要 Flash Attention；注意力头无法以 8 位存储的模型保留 16 位缓存。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="208"/>
        <source>Random</source>
        <translation>随机</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="210"/>
        <source>Seed</source>
        <translation>随机种子</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="211"/>
        <source>Random seed</source>
        <translation>随机种子</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="218"/>
        <source>Temperature:</source>
        <translation>温度：</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="219"/>
        <source>Top-p:</source>
        <translation>Top-p：</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="220"/>
        <source>Top-k:</source>
        <translation>Top-k：</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="221"/>
        <source>Repeat penalty:</source>
        <translation>重复惩罚：</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="222"/>
        <source>Longest answer:</source>
        <translation>最长回答：</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="223"/>
        <source>Seed:</source>
        <translation>随机种子：</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="225"/>
        <source>Temperature 0 always picks the likeliest word: the same question gets the same answer. A fixed seed makes sampled answers repeatable.</source>
        <translation>温度为 0 时总是选择可能性最大的词：同样的问题会得到同样的回答。固定随机种子可让采样生成的回答可以复现。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="238"/>
        <source> dpi</source>
        <translation> dpi</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="241"/>
        <source>Image token budget:</source>
        <translation>图像 token 预算：</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="242"/>
        <source>Custom budget per page:</source>
        <translation>每页自定义预算：</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="243"/>
        <source>Largest grid (tiles across and down):</source>
        <translation>最大网格（横向和纵向图块数）：</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="244"/>
        <source>Matching tolerance α:</source>
        <translation>匹配容差 α：</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="245"/>
        <source>PDF resolution:</source>
        <translation>PDF 分辨率：</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="247"/>
        <source>Fine print keeps the largest grid; Fast caps each page at 980 image tokens (a 2×2 grid and a thumbnail), several times quicker on a CPU. α is the paper&apos;s tolerance: a grid must gain more than α of the resolution to be preferred. These apply to documents attached from now on; the PDF resolution from the next start.</source>
        <translation>“精细”保留最大网格；“快速”将每页限制为 980 个图像 token（2×2 网格加一张缩略图），在 CPU 上快好几倍。α 是论文中的容差：一个网格的分辨率增益必须超过 α 才会被优先选用。这些设置对此后附加的文档生效；PDF 分辨率从下次启动起生效。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="255"/>
        <source>Same as the system</source>
        <translation>跟随系统</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="255"/>
        <source>Light</source>
        <translation>浅色</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="256"/>
        <source>Dark</source>
        <translation>深色</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="261"/>
        <source>Same as the interface language</source>
        <translation>与界面语言相同</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="266"/>
        <source>Translate text in images to</source>
        <translation>图片文字翻译为</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="269"/>
        <source>Theme:</source>
        <translation>主题：</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="270"/>
        <source>Interface language:</source>
        <translation>界面语言：</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="271"/>
        <source>Translate text in images to:</source>
        <translation>图片文字翻译为：</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="272"/>
        <source>The interface language changes the next time the app starts.</source>
        <translation>界面语言将在下次启动应用时更改。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="277"/>
        <source>Fine print (no cap)</source>
        <translation>精细（不设上限）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="277"/>
        <source>Fast</source>
        <translation>快速</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="278"/>
        <source>Custom</source>
        <translation>自定义</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="355"/>
        <source>A model measured here uses its measured value instead (see “Measured settings”).</source>
        <translation>已在本机测速的模型改用测得的值（见“测得的设置”）。</translation>
    </message>
</context>
<context>
    <name>ShortcutsDialog</name>
    <message>
        <location filename="../../bluelm_desktop/ui/window_actions.py" line="396"/>
        <location filename="../../bluelm_desktop/ui/window_actions.py" line="407"/>
        <source>Keyboard shortcuts</source>
        <translation>键盘快捷键</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/window_actions.py" line="398"/>
        <source>Menu</source>
        <translation>菜单</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/window_actions.py" line="398"/>
        <source>Command</source>
        <translation>命令</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/window_actions.py" line="399"/>
        <source>Keys</source>
        <translation>按键</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/window_actions.py" line="408"/>
        <source>One row per command: its menu, its name and its keys</source>
        <translation>每行一个命令：所在菜单、名称和按键</translation>
    </message>
</context>
<context>
    <name>Sidebar</name>
    <message>
        <location filename="../../bluelm_desktop/ui/sidebar.py" line="106"/>
        <source>New conversation</source>
        <translation>新建对话</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/sidebar.py" line="107"/>
        <source>Start an empty conversation (Ctrl+N)</source>
        <translation>开始一个空白对话（Ctrl+N）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/sidebar.py" line="109"/>
        <source>Search conversations…</source>
        <translation>搜索对话…</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/sidebar.py" line="111"/>
        <source>Search conversations</source>
        <translation>搜索对话</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/sidebar.py" line="112"/>
        <source>Shows the conversations whose title or messages contain these words</source>
        <translation>显示标题或消息中包含这些词的对话</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/sidebar.py" line="115"/>
        <source>Conversations</source>
        <translation>对话</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/sidebar.py" line="116"/>
        <source>Newest first. Enter opens one; F2 renames it, Delete deletes it</source>
        <translation>最新的在前。回车打开；F2 重命名，Delete 删除</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/sidebar.py" line="224"/>
        <source>Rename conversation</source>
        <translation>重命名对话</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/sidebar.py" line="224"/>
        <source>Title:</source>
        <translation>标题：</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/sidebar.py" line="236"/>
        <source>Delete conversation</source>
        <translation>删除对话</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/sidebar.py" line="237"/>
        <source>Delete “{title}” and its attachments? This cannot be undone.</source>
        <translation>删除“{title}”及其附件？此操作无法撤销。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/sidebar.py" line="144"/>
        <source>Rename…</source>
        <translation>重命名…</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/sidebar.py" line="146"/>
        <source>Delete…</source>
        <translation>删除…</translation>
    </message>
</context>
<context>
    <name>TileOverlay</name>
    <message>
        <location filename="../../bluelm_desktop/ui/tile_overlay.py" line="131"/>
        <source>Ctrl+wheel or Ctrl+= / Ctrl+− to zoom, Ctrl+0 or a double click for the whole page; drag to move a zoomed page</source>
        <translation>Ctrl+滚轮或 Ctrl+= / Ctrl+− 缩放，Ctrl+0 或双击显示整页；拖动可移动放大的页面</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/tile_overlay.py" line="301"/>
        <source>Page preview</source>
        <translation>页面预览</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/tile_overlay.py" line="307"/>
        <source>{title}: sent as its text layer, no tiles</source>
        <translation>{title}：以文本层发送，无图块</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/tile_overlay.py" line="308"/>
        <source>{width} × {height} px</source>
        <translation>{width} × {height} 像素</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/tile_overlay.py" line="310"/>
        <source>{title}: the whole page, the model cuts its own tiles</source>
        <translation>{title}：整页发送，由模型自行切分图块</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/tile_overlay.py" line="312"/>
        <source>encoded</source>
        <translation>已编码</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/tile_overlay.py" line="312"/>
        <source>not encoded yet</source>
        <translation>尚未编码</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/tile_overlay.py" line="317"/>
        <source>1 tile plus a thumbnail, {positions} positions</source>
        <translation>1 个图块加一张缩略图，{positions} 个位置</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/tile_overlay.py" line="318"/>
        <source>1 tile, {positions} positions</source>
        <translation>1 个图块，{positions} 个位置</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/tile_overlay.py" line="320"/>
        <source>{cols} × {rows} tiles plus a thumbnail, {positions} positions</source>
        <translation>{cols} × {rows} 个图块加一张缩略图，{positions} 个位置</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/tile_overlay.py" line="322"/>
        <source>{cols} × {rows} tiles, {positions} positions</source>
        <translation>{cols} × {rows} 个图块，{positions} 个位置</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/tile_overlay.py" line="325"/>
        <source>{done} of {total} tiles encoded</source>
        <translation>已编码 {done}/{total} 个图块</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/tile_overlay.py" line="328"/>
        <source>{count} values from the answer marked on the page</source>
        <translation>页面上标出了回答中的 {count} 个值</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/tile_overlay.py" line="460"/>
        <source>padding</source>
        <translation>填充</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/tile_overlay.py" line="471"/>
        <source>{percent} % · Ctrl+0: whole page</source>
        <translation>{percent}% · Ctrl+0：整页</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/tile_overlay.py" line="486"/>
        <source>Tile 1: the page, one tile</source>
        <translation>图块 1：整页，仅一个图块</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/tile_overlay.py" line="487"/>
        <source>Tiles 1–{last}: the page on a {grid} grid</source>
        <translation>图块 1–{last}：按 {grid} 网格切分的页面</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/tile_overlay.py" line="490"/>
        <source>Tile {number}: the whole page, shrunk to one tile</source>
        <translation>图块 {number}：缩小到一个图块大小的整页</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/tile_overlay.py" line="492"/>
        <source>Hatched: white padding</source>
        <translation>斜线：白色填充</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/tile_overlay.py" line="492"/>
        <source>Green: encoded</source>
        <translation>绿色：已编码</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/tile_overlay.py" line="542"/>
        <source>thumbnail tile</source>
        <translation>缩略图图块</translation>
    </message>
</context>
<context>
    <name>TuneOffer</name>
    <message>
        <location filename="../../bluelm_desktop/ui/tune_offer.py" line="130"/>
        <location filename="../../bluelm_desktop/ui/tune_offer.py" line="177"/>
        <source>Measure speed…</source>
        <translation>测量速度…</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/tune_offer.py" line="141"/>
        <source>Measuring: {step}…</source>
        <translation>正在测量：{step}…</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/tune_offer.py" line="133"/>
        <source>Measure this model on this computer (a few minutes): tile encoding, prefill and decode speed, whether encoding beside prefill and tiles in batches pay here, and which attention setting answers soonest with a page in context. The estimates and the engine use the result.</source>
        <translation>在本机测量此模型（需几分钟）：图块编码、预填充和解码速度，编码与预填充并行以及图块批处理在本机是否更快，以及上下文中有一页时哪种注意力设置回答最快。时间估计和引擎都会使用测量结果。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/tune_offer.py" line="159"/>
        <source>The time estimates are guesses for this computer: “Measure speed…” in the status bar measures this model here (a few minutes).</source>
        <translation>时间估计只是对本机的猜测：状态栏中的“测量速度…”会在本机测量此模型（需几分钟）。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/tune_offer.py" line="173"/>
        <source>Stop measuring</source>
        <translation>停止测量</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/tune_offer.py" line="174"/>
        <source>Measuring this model&apos;s speed…</source>
        <translation>正在测量此模型的速度…</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/tune_offer.py" line="186"/>
        <source>{seconds} s a tile</source>
        <translation>每个图块 {seconds} 秒</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/tune_offer.py" line="188"/>
        <source>prefill {speed} tokens/s</source>
        <translation>预填充 {speed} 词元/秒</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/tune_offer.py" line="190"/>
        <source>answers at {speed} tokens/s</source>
        <translation>回答 {speed} 词元/秒</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/tune_offer.py" line="193"/>
        <source>encoding beside prefill pays here</source>
        <translation>编码与预填充并行在此更快</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/tune_offer.py" line="194"/>
        <source>one stage at a time is faster here (used from the next model load)</source>
        <translation>在此逐阶段运行更快（下次加载模型时生效）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/tune_offer.py" line="196"/>
        <source>Measured: {figures}.</source>
        <translation>测量结果：{figures}。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/tune_offer.py" line="202"/>
        <source>Measuring failed: {message}</source>
        <translation>测量失败：{message}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/tune_offer.py" line="208"/>
        <source>Measuring stopped.</source>
        <translation>测量已停止。</translation>
    </message>
</context>
<context>
    <name>WindowActions</name>
    <message>
        <location filename="../../bluelm_desktop/ui/window_actions.py" line="90"/>
        <source>Menu bar</source>
        <translation>菜单栏</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/window_actions.py" line="93"/>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/window_actions.py" line="94"/>
        <source>&amp;New conversation</source>
        <translation>新对话(&amp;N)</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/window_actions.py" line="96"/>
        <source>&amp;Attach files…</source>
        <translation>附加文件(&amp;A)…</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/window_actions.py" line="101"/>
        <source>&amp;Capture screen region…</source>
        <translation>截取屏幕区域(&amp;C)…</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/window_actions.py" line="105"/>
        <source>Capture and &amp;translate…</source>
        <translation>截图并翻译(&amp;T)…</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/window_actions.py" line="108"/>
        <source>Capture a screen region and translate the text in it</source>
        <translation>截取屏幕区域并翻译其中的文字</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/window_actions.py" line="110"/>
        <source>&amp;Export table as CSV…</source>
        <translation>将表格导出为 CSV(&amp;E)…</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/window_actions.py" line="113"/>
        <source>Export table as &amp;JSON…</source>
        <translation>将表格导出为 JSON(&amp;J)…</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/window_actions.py" line="116"/>
        <source>&amp;Models…</source>
        <translation>模型(&amp;M)…</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/window_actions.py" line="118"/>
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/window_actions.py" line="122"/>
        <source>&amp;Edit</source>
        <translation>编辑(&amp;E)</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/window_actions.py" line="123"/>
        <source>&amp;Copy answer</source>
        <translation>复制回答(&amp;C)</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/window_actions.py" line="125"/>
        <source>The selected message, or else the last answer, as markdown</source>
        <translation>所选消息（若未选则为最后一个回答），Markdown 格式</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/window_actions.py" line="127"/>
        <source>&amp;Paste image or document</source>
        <translation>粘贴图片或文档(&amp;P)</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/window_actions.py" line="130"/>
        <source>&amp;Settings…</source>
        <translation>设置(&amp;S)…</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/window_actions.py" line="134"/>
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/window_actions.py" line="137"/>
        <source>&amp;Conversation list</source>
        <translation>对话列表(&amp;C)</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/window_actions.py" line="139"/>
        <source>&amp;Document panel</source>
        <translation>文档面板(&amp;D)</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/window_actions.py" line="142"/>
        <source>&amp;Question box</source>
        <translation>问题输入框(&amp;Q)</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/window_actions.py" line="145"/>
        <source>&amp;Theme</source>
        <translation>主题(&amp;T)</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/window_actions.py" line="149"/>
        <source>&amp;Same as the system</source>
        <translation>跟随系统(&amp;S)</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/window_actions.py" line="150"/>
        <source>&amp;Light</source>
        <translation>浅色(&amp;L)</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/window_actions.py" line="150"/>
        <source>&amp;Dark</source>
        <translation>深色(&amp;D)</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/window_actions.py" line="156"/>
        <source>&amp;Conversation</source>
        <translation>对话(&amp;C)</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/window_actions.py" line="157"/>
        <source>&amp;Send question</source>
        <translation>发送问题(&amp;S)</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/window_actions.py" line="159"/>
        <source>S&amp;top answer</source>
        <translation>停止回答(&amp;T)</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/window_actions.py" line="160"/>
        <source>&amp;Regenerate answer</source>
        <translation>重新生成回答(&amp;R)</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/window_actions.py" line="167"/>
        <source>&amp;Quick actions</source>
        <translation>快捷操作(&amp;Q)</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/window_actions.py" line="180"/>
        <source>&amp;Previous conversation</source>
        <translation>上一个对话(&amp;P)</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/window_actions.py" line="182"/>
        <source>&amp;Next conversation</source>
        <translation>下一个对话(&amp;N)</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/window_actions.py" line="184"/>
        <source>Searc&amp;h conversations</source>
        <translation>搜索对话(&amp;H)</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/window_actions.py" line="192"/>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/window_actions.py" line="193"/>
        <source>&amp;Keyboard shortcuts</source>
        <translation>键盘快捷键(&amp;K)</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/window_actions.py" line="196"/>
        <source>&amp;About BlueLM Desktop</source>
        <translation>关于 BlueLM Desktop(&amp;A)</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/window_actions.py" line="356"/>
        <source>About BlueLM Desktop</source>
        <translation>关于 BlueLM Desktop</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/window_actions.py" line="357"/>
        <source>BlueLM Desktop {version}

An offline assistant for questions about documents and images: nothing leaves this computer.</source>
        <translation>BlueLM Desktop {version}

离线的文档与图片问答助手：任何内容都不会离开这台电脑。</translation>
    </message>
</context>
<context>
    <name>WindowFiles</name>
    <message>
        <location filename="../../bluelm_desktop/ui/app.py" line="92"/>
        <source>{names}: attached when a model is loaded.</source>
        <translation>{names}：模型加载后即附加。</translation>
    </message>
</context>
<context>
    <name>_InvoiceModel</name>
    <message>
        <location filename="../../bluelm_desktop/ui/extraction_table.py" line="121"/>
        <source>“{text}” is not a number: write amounts like 1234.50.</source>
        <translation>“{text}”不是数字：金额请按 1234.50 这样的格式填写。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/extraction_table.py" line="127"/>
        <source>“{text}” is not a date: write dates as YYYY-MM-DD.</source>
        <translation>“{text}”不是日期：日期请按 YYYY-MM-DD 格式填写。</translation>
    </message>
</context>
</TS>
