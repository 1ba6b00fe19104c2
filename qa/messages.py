"""Every string the interface shows, in every language it speaks: one table per language.

The page, the ``qa`` command, the engine's messages for users and the labels around
answers ("原文：", "文中没有提到…") all come from here through ``t(key, **values)``,
in the language of the ``language`` setting (``QA_LANGUAGE``: ``zh``, the default,
or ``en``).  Answers themselves (the sentences quoted from the documents) are never
translated.

To add a language: copy ``EN`` into a new table, translate its values (keep the
``{placeholders}``), and add it to ``TABLES``; ``tests/test_messages.py`` checks that
every table has every key.  ``locale`` is the browser locale the page pins gradio's
own widgets to (upload box, footer) and must be one gradio ships translations for.

Imports nothing, so every module may use it.
"""

from __future__ import annotations

import os

ZH = {
    "locale": "zh-CN",
    # ------------------------------------------------------------ labels around answers
    "answer.source_label": "原文：",
    "answer.refusal": "文中没有提到这个问题的答案。",
    "answer.not_mentioned": "文中没有提到{names}。",
    "answer.name_separator": "、",
    # ------------------------------------------------------------ question and document errors
    "question.empty": "问题是空的，请输入一个问题。",
    "question.too_long": "问题太长了（{length} 个字符，上限 {limit}），请精简后再问。",
    "question.bad_k": "k 必须在 1 到 50 之间。",
    "question.not_text": "问题必须是一段文字（str），收到的是 {kind}。",
    "question.undecodable": "问题里有无法识别的字节（不是 UTF-8 编码），请检查终端的编码设置后再问。",
    "question.not_a_question": "请提一个关于文档的问题。",
    "question.bad_history": "对话历史必须是由（问题，回答）两段文字组成的列表。",
    "document.binary": "{name}：看起来是二进制文件，不是文本",
    "document.undecodable": "{name}：无法识别文件编码（支持 UTF-8、UTF-16、GB18030/GBK、Big5）",
    "document.no_text": "{name}：文件里没有文字",
    "document.empty": "{name}：文件是空的",
    "document.too_large": "{name}：文件太大（{size}，上限是 {limit}）",
    "document.unsupported": "{name}：只支持 .txt 和 .md 文件",
    "document.no_such": "没有名为 {doc_id} 的文档。",
    # The problems qa/index.py finds itself while collecting files (their codes are the keys' ends).
    "document.missing": "{name}：没有这个文件或文件夹",
    "document.no_documents": "{name}：这个文件夹里没有 .txt 或 .md 文件",
    "document.unreadable": "{name}：无法读取文件",
    "document.unreadable_folder": "{name}：无法读取这个文件夹，里面的文件没有导入",
    "document.dangling_link": "{name}：链接指向的 {target} 不存在",
    "document.link_loop": "{name}：链接指向已读过的文件夹 {target}，不再重复读取",
    "document.link_cycle": "{name}：链接 {target} 绕回自身，无法打开",
    "document.unsupported_type": "{name}：不支持的文件类型（只导入 .txt 和 .md）",
    "index.mismatch": "{where}（集合 {collection}）的索引是用别的设置建立的（{differing}）。运行 `qa rebuild` 按当前设置重新嵌入，或把设置改回去（例如 QA_EMBEDDING_MODEL）。",
    "index.mismatch_item": "{setting}：索引是 {stored}，设置要求 {wanted}",
    "index.mismatch_separator": "；",
    "index.moved_aside": "索引已损坏，已移到 {moved}；请重新导入文档（qa ingest）。",
    # An embedding server (QA_EMBEDDING_URL, qa/remote_embeddings.py).
    "embedding.unreachable": "无法连接嵌入服务器 {url}（QA_EMBEDDING_URL）：{reason}；请先启动它，或取消 QA_EMBEDDING_URL 改用本机模型。",
    "embedding.connect_timeout": "连接超时",
    "embedding.timeout": "嵌入服务器 {url} 在 {seconds} 秒内没有回应；它可能过载了，请稍后再试，或调大 QA_EMBEDDING_TIMEOUT。",
    "embedding.refused": "嵌入服务器 {url} 拒绝了请求（HTTP {status}：{detail}）{hint}",
    "embedding.hint_key": "；请检查 QA_EMBEDDING_API_KEY。",
    "embedding.hint_path": "；QA_EMBEDDING_URL 应是以 /v1 结尾的基础地址（例如 http://127.0.0.1:8001/v1）。",
    "embedding.bad_reply": "嵌入服务器 {url} 的回复无法使用（{reason}）；它是否真的提供 OpenAI 兼容的 /v1/embeddings？",
    "embedding.not_embeddings": "不是一组向量",
    "embedding.wrong_count": "送去 {wanted} 段文字，收到 {got} 个向量",
    "embedding.wrong_dimension": "向量是 {got} 维，之前是 {expected} 维",
    "embedding.no_model": "嵌入服务器 {url} 没有在 /models 列出模型；请用 QA_EMBEDDING_REMOTE_MODEL 指定模型名。",
    "embedding.several_models": "嵌入服务器 {url} 在 /models 列出了多个模型（{models}）；请用 QA_EMBEDDING_REMOTE_MODEL 指定一个。",
    "embedding.models_differ": "这些嵌入服务器提供的模型不同（{models}）；一个索引只能用一个模型。",
    "embedding.bad_url": "QA_EMBEDDING_URL 里的 {url} 不是 http(s) 地址（例如 http://127.0.0.1:8001/v1）。",
    "embedding.bad_prefixes": "QA_EMBEDDING_PREFIXES 是 {value!r}，应为 {allowed} 之一。",
    "embedding.bad_timeout": "QA_EMBEDDING_TIMEOUT 应大于 0 秒，不是 {value}。",
    # ------------------------------------------------------------ the page
    "page.title": "中文文档问答",
    "page.subtitle": "离线运行 · 答案只来自已导入的文档，并附上出处",
    "page.tab_chat": "💬 问答",
    "page.tab_documents": "📚 文档",
    "page.chat_placeholder": "在下方输入问题，或点击一个示例问题。简体、繁体都可以。",
    "page.question_placeholder": "输入问题，按回车发送",
    "page.send": "提问",
    "page.examples": "**示例问题**（关于示例文章，点击即问）",
    "page.settings": "⚙️ 设置",
    "page.k": "检索段落数（k）",
    "page.backend": "回答方式",
    "page.show_scores": "显示检索得分",
    "page.upload": "上传文档（.txt / .md，可一次选多个）",
    "page.add": "添加到索引",
    "page.table_headers": "文档|段数|字符数",
    "page.remove_choice": "选择要删除的文档",
    "page.remove": "删除",
    "page.toast_warning": "提示",
    "page.toast_error": "出错了",
    "page.toast_info": "信息",
    "page.toast_success": "完成",
    "page.refusal_title": "⚠️ 文档中没有找到答案",
    "page.failed": "❌ 出错了：{error}",
    "page.score": "得分 {score:.4f}",
    "page.dense_score": "向量 {score:.3f}",
    "page.bm25_score": "关键词 {score:.2f}",
    "page.passage_number": "第 {n} 段",
    "page.sources_refused": "🔍 检索过的段落（{count} 段，未找到答案）",
    "page.sources": "📄 引用来源（{count} 段）",
    "page.no_passages": "（没有检索到段落）",
    "page.time_retrieve": "检索",
    "page.time_read": "阅读",
    "page.time_total": "合计",
    "page.summary": "索引中共有 {documents} 个文档，{chunks} 段。",
    "page.choose_files": "请先选择要上传的 .txt 或 .md 文件。",
    "page.importing": "正在导入 {name}（{n}/{total}）",
    "page.chunk_unit": "段",
    "page.added": "✅ 已添加：{doc_id}",
    "page.updated": "🔄 已更新：{doc_id}",
    "page.unchanged": "ℹ️ 内容没有变化，已跳过：{doc_id}",
    "page.duplicate": "ℹ️ {name} 与已有文档 {existing} 内容相同，已跳过",
    "page.problem": "❌ {message}",
    "page.skipped": "ℹ️ 已跳过 {message}",
    "page.embedded": "共嵌入 {chunks} 段，用时 {seconds:.1f} 秒。",
    "page.choose_removal": "请先在下拉框中选择要删除的文档。",
    "page.removed": "🗑️ 已删除：{doc_id}（{chunks} 段）",
    "page.api_description": (
        "回答一个问题：返回答案全文（answer）、简短答案（concise）、依据的句子（support）、是否拒答（abstained）"
        "及拒答原因（reason）、引用段落（sources，含得分和答案位置）、每个 [n] 引用了哪段的哪部分（citations）、"
        "问题类型（qtype）、耗时和回答方式。"
    ),
    "backend.extractive": "抽取式（离线）",
    "backend.rules": "规则式（离线）",
    "backend.openai": "OpenAI 兼容服务",
    "backend.ollama": "Ollama",
    # ------------------------------------------------------------ LLM backends' notices
    "llm.no_model": "没有设置模型名称（QA_LLM_MODEL）",
    "llm.not_installed": "没有安装 {package}（pip install {package}）",
    "llm.default_address": "默认地址",
    "llm.timeout": "语言模型服务超过 {seconds} 秒没有响应",
    "llm.denied": "语言模型服务拒绝访问（HTTP {status}），请检查 API 密钥（QA_LLM_API_KEY）",
    "llm.too_many": "语言模型服务请求过多或额度已用完（HTTP 429），请稍后再试",
    "llm.not_found": "语言模型服务找不到接口或模型“{model}”（HTTP 404），请检查 QA_LLM_BASE_URL 和 QA_LLM_MODEL",
    "llm.http_error": "语言模型服务出错（HTTP {status}）",
    "llm.unreachable": "无法连接语言模型服务（{where}），请确认服务已启动、地址正确",
    "llm.unparsable": "语言模型服务返回了无法解析的回复",
    "llm.failed": "调用语言模型时出错（{error}）",
    "llm.empty_reply": "语言模型返回了空回复",
    "llm.fell_back": "{message}，已改用离线阅读器回答。",
    "llm.invalid_citations": "模型引用了不存在的资料 {markers}，已删除这些引用",
    "llm.no_citations": "模型的回答没有标注出处，请对照原文核实",
    "llm.notes": "{notes}。",
    "llm.note_separator": "；",
    # ------------------------------------------------------------ starting the page
    "serve.opening": "正在打开索引：{where}（首次运行时会为示例文章建立索引）",
    "serve.ready": "索引就绪：{documents} 个文档，{chunks} 段（{seconds:.1f} 秒）",
    "serve.started": "问答页面已启动：{url}  （按 Ctrl+C 停止）",
    "serve.embedding": "  嵌入段落 {done}/{total}",
    "serve.port_busy": "端口 {port} 已被占用（{host}）；换一个空闲端口，例如 --port {free}",
    "serve.port_busy_no_free": "端口 {port} 已被占用（{host}），附近也没有空闲端口；用 --port 指定另一个",
    "serve.cannot_bind": "无法在 {host}:{port} 上启动页面：{reason}",
    "serve.exposed": (
        "⚠️ 警告：页面绑定在 {host} 上，网络中的任何人都能打开它、提问、上传和删除文档（页面没有登录）。"
        "只在本机使用时请用 --host 127.0.0.1。"
    ),
    "serve.engine_closed": "问答引擎已关闭。",
    "serve.engine_died": "问答引擎的进程已退出，请查看终端里的错误信息并重新启动。",
    # ------------------------------------------------------------ the index folder
    "store.is_file": "索引位置 {folder} 是一个文件，不是文件夹；请把 QA_VECTORSTORE 设为一个文件夹。",
    "store.cannot_create": "无法创建索引文件夹 {folder}（{reason}）；请把 QA_VECTORSTORE 设为可写的文件夹。",
    "store.not_writable": "索引文件夹 {folder} 不可写；请把 QA_VECTORSTORE 设为可写的文件夹。",
    "store.corrupt": "索引 {folder} 已损坏，无法打开（{reason}）；请运行 `qa rebuild` 重建索引。",
    "store.not_sqlite": "chroma.sqlite3 不是 SQLite 数据库",
    "store.waiting": "另一个进程正在写入索引 {folder}，等它写完……",
    # ------------------------------------------------------------ the Chroma server
    "chroma.unreachable": (
        "无法连接 Chroma 服务器 {url}（QA_CHROMA_URL）；请先启动它（chroma run --path 数据文件夹 --host {host} --port {port}），"
        "或取消 QA_CHROMA_URL 改用本地索引。"
    ),
    # ------------------------------------------------------------ the qa command
    "cli.error": "错误：{message}",
    "cli.skipped_duplicate": "已跳过 {path}：与 {existing} 内容相同",
    "cli.skipped": "已跳过 {message}",
    "cli.ingest_error": "错误：{message}",
    "cli.ingest_summary": "新增 {added}，更新 {updated}，未变 {unchanged}{more}；嵌入 {chunks} 段，用时 {seconds:.1f} 秒",
    "cli.ingest_duplicates": "，重复跳过 {count}",
    "cli.ingest_skipped": "，另跳过 {count}",
    "cli.ingest_failed": "，失败 {count}",
    "cli.removed": "已删除 {doc_id}（{chunks} 段）",
    "cli.rebuilt": "已重建：{documents} 个文档，嵌入 {chunks} 段",
    "cli.info_index": "索引：      {where}（集合 {collection}）",
    "cli.info_embeddings": "向量模型：  {model}",
    "cli.info_backend": "回答方式：  {backend}",
    "cli.info_documents": "文档：      {documents} 个，{chunks} 段",
    "cli.info_document": "  {doc_id}\t{chunks} 段\t{chars} 字\t{path}",
    "cli.eval_index": "知识库：{where}（集合 {collection}），{count} 个文档：{documents}",
    "cli.eval_skipped": "已跳过 {message}",
    "cli.eval_no_questions": "{path}：没有可用的问题",
}

EN = {
    "locale": "en",
    "answer.source_label": "Source: ",
    "answer.refusal": "The documents do not contain the answer to this question.",
    "answer.not_mentioned": "The documents do not mention {names}.",
    "answer.name_separator": ", ",
    "question.empty": "The question is empty; please type a question.",
    "question.too_long": "The question is too long ({length} characters, at most {limit}); please shorten it.",
    "question.bad_k": "k must be between 1 and 50.",
    "question.not_text": "A question must be text (str), not {kind}.",
    "question.undecodable": "The question holds bytes that are not UTF-8; check your terminal's encoding and ask again.",
    "question.not_a_question": "Please ask a question about the documents.",
    "question.bad_history": "The conversation history must be a list of (question, answer) pairs of text.",
    "document.binary": "{name}: this looks like a binary file, not text",
    "document.undecodable": "{name}: cannot decode the file as UTF-8, UTF-16, GB18030/GBK or Big5",
    "document.no_text": "{name}: the file has no text",
    "document.empty": "{name}: the file is empty",
    "document.too_large": "{name}: the file is {size}, over the {limit} limit",
    "document.unsupported": "{name}: only .txt and .md files are supported",
    "document.no_such": "no such document: {doc_id}",
    "document.missing": "{name}: no such file or folder",
    "document.no_documents": "{name}: no .txt or .md files in this folder",
    "document.unreadable": "{name}: cannot read the file",
    "document.unreadable_folder": "{name}: cannot read this folder; the files in it were not ingested",
    "document.dangling_link": "{name}: a link to {target}, which does not exist",
    "document.link_loop": "{name}: a link to {target}, a folder already read; not read again",
    "document.link_cycle": "{name}: a link ({target}) that goes round a loop of links",
    "document.unsupported_type": "{name}: unsupported type (only .txt and .md are ingested)",
    "index.mismatch": "The index at {where} (collection {collection}) was built with other settings ({differing}). Run `qa rebuild` to re-embed everything with the current settings, or change the settings back (e.g. QA_EMBEDDING_MODEL).",
    "index.mismatch_item": "{setting}: index has {stored}, settings ask for {wanted}",
    "index.mismatch_separator": "; ",
    "index.moved_aside": "the index was corrupt and has been moved to {moved}; ingest the documents again (qa ingest).",
    # An embedding server (QA_EMBEDDING_URL, qa/remote_embeddings.py).
    "embedding.unreachable": "cannot reach the embedding server {url} (QA_EMBEDDING_URL): {reason}; start it, or unset QA_EMBEDDING_URL to embed in this process.",
    "embedding.connect_timeout": "connection timed out",
    "embedding.timeout": "the embedding server {url} did not answer within {seconds} s; it may be overloaded: try again later, or raise QA_EMBEDDING_TIMEOUT.",
    "embedding.refused": "the embedding server {url} refused the request (HTTP {status}: {detail}){hint}",
    "embedding.hint_key": "; check QA_EMBEDDING_API_KEY.",
    "embedding.hint_path": "; QA_EMBEDDING_URL should be the base address ending in /v1 (e.g. http://127.0.0.1:8001/v1).",
    "embedding.bad_reply": "the embedding server {url} sent a reply that cannot be used ({reason}); does it serve OpenAI-compatible /v1/embeddings?",
    "embedding.not_embeddings": "not a list of vectors",
    "embedding.wrong_count": "{wanted} texts sent, {got} vectors back",
    "embedding.wrong_dimension": "vectors of {got} dimensions, {expected} before",
    "embedding.no_model": "the embedding server {url} lists no model under /models; name one with QA_EMBEDDING_REMOTE_MODEL.",
    "embedding.several_models": "the embedding server {url} lists several models under /models ({models}); name one with QA_EMBEDDING_REMOTE_MODEL.",
    "embedding.models_differ": "these embedding servers serve different models ({models}); one index takes one model.",
    "embedding.bad_url": "{url} in QA_EMBEDDING_URL is not an http(s) address (e.g. http://127.0.0.1:8001/v1).",
    "embedding.bad_prefixes": "QA_EMBEDDING_PREFIXES is {value!r}; it should be one of {allowed}.",
    "embedding.bad_timeout": "QA_EMBEDDING_TIMEOUT should be more than 0 seconds, not {value}.",
    "page.title": "Questions on Chinese documents",
    "page.subtitle": "Runs offline · answers come only from the imported documents, with their sources",
    "page.tab_chat": "💬 Ask",
    "page.tab_documents": "📚 Documents",
    "page.chat_placeholder": "Type a question below, or click an example. Simplified, Traditional or English.",
    "page.question_placeholder": "Type a question, press Enter to send",
    "page.send": "Ask",
    "page.examples": "**Example questions** (about the sample article; click to ask)",
    "page.settings": "⚙️ Settings",
    "page.k": "Passages to retrieve (k)",
    "page.backend": "Answer backend",
    "page.show_scores": "Show retrieval scores",
    "page.upload": "Upload documents (.txt / .md, several at once)",
    "page.add": "Add to the index",
    "page.table_headers": "Document|Passages|Characters",
    "page.remove_choice": "Document to remove",
    "page.remove": "Remove",
    "page.toast_warning": "Note",
    "page.toast_error": "Error",
    "page.toast_info": "Info",
    "page.toast_success": "Done",
    "page.refusal_title": "⚠️ The documents do not contain the answer",
    "page.failed": "❌ Something went wrong: {error}",
    "page.score": "score {score:.4f}",
    "page.dense_score": "dense {score:.3f}",
    "page.bm25_score": "keywords {score:.2f}",
    "page.passage_number": "passage {n}",
    "page.sources_refused": "🔍 Passages searched ({count}, no answer found)",
    "page.sources": "📄 Sources ({count} passages)",
    "page.no_passages": "(no passages found)",
    "page.time_retrieve": "retrieve",
    "page.time_read": "read",
    "page.time_total": "total",
    "page.summary": "The index holds {documents} documents, {chunks} passages.",
    "page.choose_files": "Choose .txt or .md files to upload first.",
    "page.importing": "Importing {name} ({n}/{total})",
    "page.chunk_unit": "passages",
    "page.added": "✅ Added: {doc_id}",
    "page.updated": "🔄 Updated: {doc_id}",
    "page.unchanged": "ℹ️ Unchanged, skipped: {doc_id}",
    "page.duplicate": "ℹ️ {name} has the same content as {existing}; skipped",
    "page.problem": "❌ {message}",
    "page.skipped": "ℹ️ Skipped {message}",
    "page.embedded": "{chunks} passages embedded in {seconds:.1f} s.",
    "page.choose_removal": "Choose the document to remove in the list first.",
    "page.removed": "🗑️ Removed: {doc_id} ({chunks} passages)",
    "page.api_description": (
        "Answer a question: the full answer, the concise answer, the supporting sentence, whether it refused "
        "(abstained) and why (reason), the cited passages (sources, with scores and answer spans), what each [n] "
        "cites (citations), the question type (qtype), timings and the backend."
    ),
    "backend.extractive": "Extractive (offline)",
    "backend.rules": "Rules (offline)",
    "backend.openai": "OpenAI-compatible server",
    "backend.ollama": "Ollama",
    "llm.no_model": "no model name is set (QA_LLM_MODEL)",
    "llm.not_installed": "{package} is not installed (pip install {package})",
    "llm.default_address": "the default address",
    "llm.timeout": "the language model server did not answer within {seconds} s",
    "llm.denied": "the language model server refused access (HTTP {status}); check the API key (QA_LLM_API_KEY)",
    "llm.too_many": "the language model server has too many requests or no quota left (HTTP 429); try again later",
    "llm.not_found": "the language model server has no such endpoint or model “{model}” (HTTP 404); check QA_LLM_BASE_URL and QA_LLM_MODEL",
    "llm.http_error": "the language model server failed (HTTP {status})",
    "llm.unreachable": "cannot reach the language model server ({where}); check that it runs and the address is right",
    "llm.unparsable": "the language model server sent a reply that cannot be read",
    "llm.failed": "calling the language model failed ({error})",
    "llm.empty_reply": "the language model sent an empty reply",
    "llm.fell_back": "{message}; the offline reader answered instead.",
    "llm.invalid_citations": "the model cited passages that do not exist ({markers}); those citations were removed",
    "llm.no_citations": "the model's answer cites no passage; check it against the documents",
    "llm.notes": "{notes}.",
    "llm.note_separator": "; ",
    "serve.opening": "Opening the index: {where} (the sample article is indexed on the first run)",
    "serve.ready": "Index ready: {documents} documents, {chunks} passages ({seconds:.1f} s)",
    "serve.started": "The page is running at {url}  (Ctrl+C to stop)",
    "serve.embedding": "  embedding passages {done}/{total}",
    "serve.port_busy": "port {port} is already in use ({host}); choose a free one, e.g. --port {free}",
    "serve.port_busy_no_free": "port {port} is already in use ({host}) and no port near it is free; choose one with --port",
    "serve.cannot_bind": "cannot start the page on {host}:{port}: {reason}",
    "serve.exposed": (
        "⚠️ WARNING: the page is bound to {host}: anyone on the network can open it, ask, upload and remove "
        "documents (the page has no login). Use --host 127.0.0.1 to keep it on this machine."
    ),
    "serve.engine_closed": "The answering engine has been closed.",
    "serve.engine_died": "The answering engine's process has stopped; see the errors in the terminal and restart.",
    "store.is_file": "the index location {folder} is a file, not a folder; set QA_VECTORSTORE to a folder.",
    "store.cannot_create": "cannot create the index folder {folder} ({reason}); set QA_VECTORSTORE to a writable folder.",
    "store.not_writable": "the index folder {folder} cannot be written; set QA_VECTORSTORE to a writable folder.",
    "store.corrupt": "the index {folder} is corrupt and cannot be opened ({reason}); run `qa rebuild` to rebuild it.",
    "store.not_sqlite": "chroma.sqlite3 is not an SQLite database",
    "store.waiting": "another process is writing to the index {folder}; waiting for it to finish…",
    "chroma.unreachable": (
        "cannot reach the Chroma server at {url} (QA_CHROMA_URL); start it (chroma run --path DATA_FOLDER --host {host} "
        "--port {port}) or unset QA_CHROMA_URL to use the local index."
    ),
    "cli.error": "error: {message}",
    "cli.skipped_duplicate": "skipped {path}: same content as {existing}",
    "cli.skipped": "skipped {message}",
    "cli.ingest_error": "error: {message}",
    "cli.ingest_summary": "{added} added, {updated} updated, {unchanged} unchanged{more}; {chunks} chunks embedded in {seconds:.1f}s",
    "cli.ingest_duplicates": ", {count} duplicate(s) skipped",
    "cli.ingest_skipped": ", {count} other(s) skipped",
    "cli.ingest_failed": ", {count} failed",
    "cli.removed": "removed {doc_id} ({chunks} chunks)",
    "cli.rebuilt": "rebuilt: {documents} documents, {chunks} chunks embedded",
    "cli.info_index": "index:      {where} (collection {collection})",
    "cli.info_embeddings": "embeddings: {model}",
    "cli.info_backend": "backend:    {backend}",
    "cli.info_documents": "documents:  {documents}, chunks: {chunks}",
    "cli.info_document": "  {doc_id}\t{chunks} chunks\t{chars} chars\t{path}",
    "cli.eval_index": "knowledge base: {where} (collection {collection}), {count} documents: {documents}",
    "cli.eval_skipped": "skipped {message}",
    "cli.eval_no_questions": "{path}: no usable questions",
}

TABLES = {"zh": ZH, "en": EN}
DEFAULT = "zh"

_language: str | None = None


def use_language(language: str | None) -> None:
    """Speak ``language`` from now on in this process (the entry points call this
    with ``settings.language``: the CLI, the page, its engine process, ``Engine``);
    None goes back to ``QA_LANGUAGE`` or the default."""
    global _language
    if language is not None and language not in TABLES:
        raise ValueError(f"language must be one of {', '.join(TABLES)}, not {language!r}")
    _language = language


def language() -> str:
    """The language in use: as set by ``use_language``, else ``QA_LANGUAGE``, else Chinese."""
    if _language is not None:
        return _language
    from_environment = os.environ.get("QA_LANGUAGE", "")
    return from_environment if from_environment in TABLES else DEFAULT


def byte_size(n: int) -> str:
    """A size for people: 512 B, 1.5 KB, 20 MB (three significant digits at most)."""
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("KB", 1e3)):
        if n >= scale:
            value = n / scale
            return f"{value:.0f} {unit}" if value >= 100 else f"{value:.3g} {unit}"
    return f"{n} B"


def t(key: str, **values) -> str:
    """The interface string ``key`` in the language in use, with ``values`` filled in."""
    text = TABLES[language()][key]
    return text.format(**values) if values else text
