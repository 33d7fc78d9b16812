"""Text normalisation shared by the audits: one notion of "the same text" for spam and dedup.

Chinese spam titles mix full-width and half-width forms (ｅ卡 / e卡, ：/ :), letter case
(E卡 / e卡) and, on some farms, traditional characters. NFKC folds the width forms, casefold
the case, and a small table maps the traditional characters that matter to these lexicons.
"""

from __future__ import annotations

import re
import unicodedata

# More traditional → simplified pairs (traditional first), for titles copied in traditional
# script (閑魚, 詳解, 關閉): common characters beyond the lexicon terms below. Only characters
# that are not also in use as simplified characters (not 乾, 著, 藉 or 瞭), so that the table
# cannot change a simplified text.
_MORE_PAIRS = (
    "閉闭 閑闲 閒闲 閱阅 聞闻 悶闷 闊阔 闆板 闖闯 闡阐 閃闪 閣阁 閥阀 閘闸 閩闽 閨闺 閻阎 閡阂 "
    "闢辟 闔阖 闕阙 闌阑 闈闱 魚鱼 鳥鸟 雞鸡 鴨鸭 鵝鹅 鳳凤 鶴鹤 鷹鹰 鴻鸿 鳴鸣 鵬鹏 鴿鸽 鵑鹃 "
    "鷗鸥 魯鲁 鮮鲜 鯨鲸 鱷鳄 鯉鲤 鯊鲨 鰻鳗 鮑鲍 鱗鳞 車车 軍军 軟软 較较 載载 輕轻 輛辆 輪轮 "
    "輔辅 輯辑 轄辖 轎轿 軌轨 軒轩 軸轴 輿舆 轟轰 辦办 辭辞 辯辩 辮辫 連连 運运 進进 遠远 適适 "
    "遲迟 選选 遺遗 邊边 遞递 違违 遙遥 遜逊 邁迈 遷迁 遼辽 週周 遊游 邏逻 鄉乡 鄰邻 鄭郑 鄧邓 "
    "郵邮 貝贝 負负 財财 貢贡 販贩 貧贫 貪贪 貴贵 貿贸 賀贺 賃赁 賊贼 賈贾 賓宾 賜赐 賞赏 賠赔 "
    "賴赖 賺赚 賽赛 贈赠 贊赞 贖赎 賦赋 質质 賤贱 贓赃 貫贯 貼贴 貯贮 賢贤 賄贿 賒赊 貳贰 贛赣 "
    "賑赈 贅赘 見见 覺觉 覽览 親亲 觀观 覓觅 覈核 觸触 訂订 討讨 訓训 訊讯 託托 設设 許许 訪访 "
    "評评 診诊 試试 詩诗 話话 誠诚 該该 詳详 認认 誤误 說说 語语 誰谁 課课 諸诸 論论 調调 談谈 "
    "謂谓 諾诺 謀谋 講讲 謝谢 識识 議议 護护 譯译 讀读 讚赞 譜谱 誕诞 誇夸 誌志 謊谎 譽誉 諮咨 "
    "詢询 詭诡 諧谐 謎谜 譁哗 訣诀 訝讶 詮诠 誘诱 諒谅 謹谨 讒谗 讎雠 鐵铁 鋼钢 錯错 鎖锁 鍵键 "
    "鏡镜 鐘钟 鍾钟 錶表 針针 釣钓 鋪铺 舖铺 銷销 鋒锋 鍋锅 錦锦 鑑鉴 鑒鉴 鑽钻 鑰钥 鉤钩 鈔钞 "
    "鈕钮 鉛铅 銳锐 鋁铝 錫锡 鎮镇 鈴铃 鈣钙 鉅巨 銜衔 鋸锯 錘锤 鍍镀 鍛锻 鏽锈 鑄铸 鏟铲 鐳镭 "
    "鑼锣 釘钉 鈍钝 鉀钾 鉑铂 銓铨 銘铭 鋤锄 錳锰 紙纸 純纯 納纳 紛纷 細细 終终 組组 結结 給给 "
    "統统 絕绝 綠绿 維维 綜综 緊紧 練练 編编 緣缘 縣县 總总 績绩 織织 繳缴 繫系 係系 纖纤 紋纹 "
    "紐纽 紹绍 縮缩 綁绑 緩缓 繪绘 縱纵 繞绕 絲丝 綿绵 緒绪 締缔 纜缆 紮扎 縫缝 糾纠 綫线 紳绅 "
    "絞绞 綢绸 綱纲 緯纬 緻致 縷缕 繩绳 繽缤 纏缠 飯饭 飲饮 飽饱 館馆 餅饼 養养 餓饿 饑饥 飢饥 "
    "餘余 饒饶 餵喂 飼饲 餡馅 饋馈 飾饰 餃饺 饅馒 駕驾 駛驶 驗验 驚惊 騎骑 騰腾 驅驱 驟骤 駐驻 "
    "騷骚 駁驳 驕骄 驢驴 驛驿 駱骆 騾骡 頁页 頂顶 項项 順顺 須须 領领 頭头 顏颜 類类 顧顾 願愿 "
    "頓顿 頒颁 頗颇 頸颈 顆颗 頑顽 顛颠 頌颂 風风 颳刮 颱台 飄飘 飛飞 國国 圖图 園园 圓圆 壞坏 "
    "墊垫 壩坝 聲声 壇坛 罈坛 壯壮 壺壶 壽寿 墳坟 墾垦 壟垄 僅仅 儀仪 儲储 償偿 偉伟 側侧 偵侦 "
    "傷伤 僱雇 傾倾 僑侨 儘尽 盡尽 傘伞 偽伪 僞伪 倆俩 傑杰 佈布 佔占 併并 並并 夥伙 從从 徑径 "
    "徹彻 愛爱 態态 慣惯 憂忧 應应 懷怀 戀恋 懶懒 懸悬 憑凭 憐怜 慮虑 惡恶 悅悦 惱恼 慚惭 懼惧 "
    "憶忆 懇恳 慘惨 憤愤 懲惩 慶庆 憲宪 戰战 擇择 據据 擁拥 擊击 擋挡 擴扩 攜携 攝摄 擺摆 搶抢 "
    "掃扫 揚扬 換换 損损 搖摇 撥拨 撲扑 擾扰 攤摊 撐撑 摟搂 撿捡 擠挤 揮挥 拋抛 挾挟 採采 捲卷 "
    "捨舍 搾榨 攔拦 擱搁 攏拢 摺折 撈捞 斷断 於于 晝昼 曉晓 曆历 歷历 暫暂 暈晕 曬晒 極极 標标 "
    "樣样 構构 樓楼 橋桥 檔档 樹树 槍枪 欄栏 棧栈 楊杨 榮荣 櫃柜 棄弃 檯台 樁桩 槳桨 樸朴 橫横 "
    "歡欢 歲岁 殺杀 殘残 殼壳 毀毁 歎叹 漢汉 潔洁 濕湿 溼湿 準准 測测 淺浅 溝沟 湯汤 減减 溫温 "
    "漲涨 滾滚 滯滞 漁渔 潤润 澤泽 濃浓 灣湾 灑洒 漿浆 沖冲 況况 涼凉 淚泪 滬沪 滅灭 漸渐 澀涩 "
    "濾滤 瀏浏 灘滩 沒没 汙污 滷卤 鹵卤 潛潜 濱滨 濤涛 瀉泻 濫滥 瀟潇 灤滦 渦涡 溈沩 燈灯 燒烧 "
    "營营 爐炉 煙烟 煉炼 災灾 烏乌 煩烦 爛烂 燦灿 燭烛 爍烁 熾炽 爭争 牆墙 獨独 獲获 穫获 獵猎 "
    "猶犹 獸兽 獻献 犧牺 瑪玛 瑣琐 瑤瑶 璽玺 畫画 異异 疊叠 畢毕 畝亩 疇畴 療疗 癢痒 發发 髮发 "
    "皺皱 盜盗 監监 盞盏 瘋疯 癮瘾 癒愈 盧卢 眾众 衆众 睜睁 矚瞩 瞞瞒 矯矫 礎础 確确 碼码 礙碍 "
    "碩硕 禍祸 祿禄 禦御 禪禅 離离 種种 稱称 穩稳 積积 穀谷 稅税 稈秆 穌稣 窮穷 竊窃 競竞 窩窝 "
    "筆笔 節节 範范 築筑 簡简 籃篮 籤签 筍笋 糧粮 糰团 罰罚 罷罢 羅罗 罵骂 義义 翹翘 聖圣 聰聪 "
    "職职 聽听 肅肃 聳耸 腦脑 膚肤 腳脚 臉脸 膠胶 脫脱 脅胁 膩腻 臟脏 髒脏 腫肿 膽胆 興兴 舉举 "
    "艙舱 艦舰 艱艰 藝艺 莊庄 華华 葉叶 蘇苏 甦苏 藍蓝 藥药 蘋苹 薦荐 蓋盖 蔣蒋 蘿萝 蘭兰 莖茎 "
    "萊莱 蕭萧 蘊蕴 醃腌 蟲虫 蠶蚕 蝦虾 螞蚂 蠟蜡 蠻蛮 術术 衛卫 衝冲 補补 製制 襪袜 襯衬 裝装 "
    "裏里 豐丰 豬猪 貓猫 趕赶 趨趋 趙赵 跡迹 蹟迹 踐践 躍跃 蹤踪 軀躯 農农 醫医 醬酱 釋释 醜丑 "
    "醞酝 釀酿 長长 陽阳 陰阴 陣阵 陳陈 隊队 際际 險险 隱隐 階阶 陸陆 陝陕 隕陨 難难 雖虽 雜杂 "
    "雋隽 電电 雲云 霧雾 靈灵 靜静 韓韩 韌韧 響响 鬥斗 鬧闹 鬆松 鬍胡 鬚须 麥麦 黨党 齊齐 齒齿 "
    "龍龙 龜龟 麵面 麼么 黴霉 齡龄 齣出 鹽盐 鹹咸 兒儿 兩两 內内 冊册 凍冻 劃划 劇剧 劍剑 勞劳 "
    "勢势 勵励 動动 勝胜 單单 參参 叢丛 剛刚 創创 劉刘 劑剂 厲厉 廈厦 兇凶 隻只 吳吴 啟启 喬乔 "
    "嗎吗 嘆叹 嚴严 囑嘱 啞哑 嘗尝 嚐尝 嚮向 噹当 夢梦 夠够 奪夺 奮奋 婦妇 媽妈 嬰婴 奧奥 孫孙 "
    "學学 寧宁 寫写 寬宽 將将 尋寻 導导 寵宠 尷尴 屆届 層层 屬属 屍尸 島岛 嶺岭 崗岗 幫帮 帶带 "
    "師师 幹干 幾几 廣广 廳厅 廠厂 廢废 庫库 廟庙 廬庐 張张 強强 彈弹 彎弯 敗败 敵敌 斂敛 斬斩 "
    "晉晋 歸归 爺爷 牽牵 絢绚 蕩荡 蕎荞 虧亏 麗丽 龐庞 鬱郁 蘆芦 籠笼 攬揽 竄窜 癱瘫 顫颤 擲掷 "
    "鑲镶"
).replace(" ", "")
# Traditional → simplified for characters that occur in the risk lexicons and in re-spun titles.
# A full converter (OpenCC) is heavy; these cover the terms we match on. Each line pair is
# aligned character for character (the second pair was added for the spam lexicons), then
# _MORE_PAIRS is appended.
_TRAD_TO_SIMP = str.maketrans(
    "現貸錢額購備機賭場幣還債證東轉讓價門網會員產實體戶帳賬號習寶壓約娛樂擔與為優點開關億萬線個們這裡後來時間問題處費務協執訴訟詐騙經濟簽區塊鏈礦槓桿淨專業紅倫"
    "書買賣倉傳決雙變唄圍獎對當戲報擬掛數無舊顯檢氣滿熱狀環禮紀絡續聯規視計記詞請責貨資贏達過銅銀隨預頻馬黃團徵條籌級虛權砲註歐臺兌輸審盤錄復複"
    + _MORE_PAIRS[0::2],
    "现贷钱额购备机赌场币还债证东转让价门网会员产实体户账账号习宝压约娱乐担与为优点开关亿万线个们这里后来时间问题处费务协执诉讼诈骗经济签区块链矿杠杆净专业红伦"
    "书买卖仓传决双变呗围奖对当戏报拟挂数无旧显检气满热状环礼纪络续联规视计记词请责货资赢达过铜银随预频马黄团征条筹级虚权炮注欧台兑输审盘录复复"
    + _MORE_PAIRS[1::2],
)
# str.translate walks every character through a dict; most text holds no traditional
# character at all, and one regex search is cheaper than that walk (the spam audit normalises
# millions of link texts).
_TRAD_CHARS = re.compile("[" + "".join(chr(c) for c in _TRAD_TO_SIMP) + "]")


def normalize_text(text: str) -> str:
    """NFKC, casefold, traditional→simplified for lexicon characters, whitespace collapsed."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    if _TRAD_CHARS.search(folded):
        folded = folded.translate(_TRAD_TO_SIMP)
    # split() splits on the same Unicode whitespace as r"\s+" and drops it at both ends.
    return " ".join(folded.split())
